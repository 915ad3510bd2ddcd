"""The served mock's listening socket, bound before uvicorn starts so a taken port is one clear line.

uvicorn binds inside its own startup and answers a taken port with its log line, an exit of its
own and the CLI's "stopped" after it; bound here, the CLI can say what is wrong and what to do.
"""

from __future__ import annotations

import errno
import socket

__all__ = ["ListenError", "listen", "url_host"]


class ListenError(Exception):
    """The address cannot be listened on; the message is the line the CLI prints."""


def url_host(host: str) -> str:
    """`host` as a URL spells it: an IPv6 address in brackets (`--host ::1`)."""
    return f"[{host}]" if ":" in host else host


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to (`host`, `port`) as uvicorn would bind it (port 0: a free one)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart over TIME_WAIT
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        reason = (exc.strerror or str(exc)).lower()
        hint = " (is another mockserver running? --port 0 picks a free port)" if exc.errno == errno.EADDRINUSE else ""
        raise ListenError(f"cannot listen on {url_host(host)}:{port}: {reason}{hint}") from None
    return sock
