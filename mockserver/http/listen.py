"""The served mock's listening socket, bound before uvicorn starts so a taken port is one clear line.

uvicorn binds inside its own startup and answers a taken port with its log line, an exit of its
own and the CLI's "stopped" after it; bound here, the CLI can say what is wrong and what to do.
"""

from __future__ import annotations

import errno
import socket

__all__ = ["ListenError", "listen"]


class ListenError(Exception):
    """The address cannot be listened on; the message is the line the CLI prints."""


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to (`host`, `port`) as uvicorn would bind it (port 0: a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET  # `--host ::1`
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart over TIME_WAIT
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        reason = (exc.strerror or str(exc)).lower()
        hint = ""
        if exc.errno == errno.EADDRINUSE:
            hint = " (is another mockserver running? --port 0 picks a free port)"
        raise ListenError(f"cannot listen on {where}: {reason}{hint}") from None
    except BaseException:
        sock.close()
        raise
    return sock
