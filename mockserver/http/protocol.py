"""uvicorn's HTTP protocol with one addition: a request can reset its connection (a TCP RST).

A download fault of kind `reset` needs the socket, which ASGI never shows an app; this protocol
puts a `mockserver.reset` callable into each request's `scope["extensions"]`. Without httptools
(uvicorn's default parser) the plain protocol is used and a reset is sent as a close.
"""

from __future__ import annotations

import asyncio
import logging

from mockserver.http.broken_body import RESET_EXTENSION, QuietCuts, reset_extension

__all__ = ["http_protocol"]


def http_protocol() -> type[asyncio.Protocol] | str:
    """What `uvicorn.Config(http=...)` gets: the resetting protocol, or "auto" without httptools."""
    error_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(found, QuietCuts) for found in error_log.filters):
        error_log.addFilter(QuietCuts())
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # httptools is not installed
        return "auto"

    class ResettingProtocol(HttpToolsProtocol):
        def on_message_begin(self) -> None:
            super().on_message_begin()
            extensions = {RESET_EXTENSION: reset_extension(self.transport)}
            self.scope["extensions"] = extensions  # type: ignore[typeddict-item]

    return ResettingProtocol
