"""uvicorn's HTTP protocol with two additions: connection bounds, and a request that can reset its connection.

- Bounds (`Limits`): a connection that sends nothing is closed after `idle_seconds`; a request's
  head (request line and headers) must arrive within `head_seconds` and `max_head_bytes` (else a
  408 or 431 envelope, and the connection closes); its body within `body_seconds` of the head
  (else a 408 envelope, or a close once an answer started). So slow or silent clients cannot hold
  the server or its shutdown. uvicorn itself caps the connections (`limit_concurrency`: 503) and
  the keep-alive idle time between requests (`timeout_keep_alive`).
- Reset: a download fault of kind `reset` needs the socket, which ASGI never shows an app; this
  protocol puts a `mockserver.reset` callable into each request's `scope["extensions"]`.

Without httptools (uvicorn's default parser) the plain h11 protocol is used: a reset is sent as a
close, the head is capped by `h11_max_incomplete_event_size`, and the head and body timeouts do not apply.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mockserver.domain.errors import envelope
from mockserver.http.broken_body import RESET_EXTENSION, QuietCuts, reset_extension

__all__ = ["DEFAULT_LIMITS", "Limits", "http_protocol", "uvicorn_options"]

_HEAD = b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n"
_REASONS = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


@dataclass(frozen=True)
class Limits:
    """How long and how much a connection may take before the server gives up on it."""

    idle_seconds: float = 5.0  # a connection with no request in progress (uvicorn's keep-alive default)
    head_seconds: float = 10.0  # from a request's first byte to the end of its headers
    body_seconds: float = 10.0  # from the end of the headers to the end of the body (bodies are ≤ 64 KiB–a few MB)
    max_head_bytes: int = 64 * 1024  # request line + headers
    max_connections: int = 1000  # open connections (or requests in flight); beyond: 503


DEFAULT_LIMITS = Limits()


def uvicorn_options(limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """The `uvicorn.Config` keywords that apply `limits` (and the resetting protocol)."""
    return {
        "http": http_protocol(limits),
        "timeout_keep_alive": limits.idle_seconds,  # uvicorn types it int; call_later takes any number
        "limit_concurrency": limits.max_connections,
        "h11_max_incomplete_event_size": limits.max_head_bytes,  # used only without httptools
    }


def http_protocol(limits: Limits = DEFAULT_LIMITS) -> type[asyncio.Protocol] | str:
    """What `uvicorn.Config(http=...)` gets: the bounded, resetting protocol, or "auto" without httptools."""
    error_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(found, QuietCuts) for found in error_log.filters):
        error_log.addFilter(QuietCuts())
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # httptools is not installed
        return "auto"

    # Deadlines are checked by one timer per server, not armed per request: a `call_later`
    # and its cancel on every request's head and body cost more than the rest of this class.
    # A late connection is caught within `tick` seconds of its deadline.
    tick = min(0.5, max(0.01, min(limits.idle_seconds, limits.head_seconds, limits.body_seconds) / 4))
    open_connections: set[BoundedProtocol] = set()
    sweeping: list[asyncio.TimerHandle] = []

    def sweep(loop: asyncio.AbstractEventLoop) -> None:
        sweeping.clear()
        now = loop.time()
        for connection in [c for c in open_connections if c._late is not None and now >= c._deadline]:
            late, connection._late = connection._late, None
            if late is not None:
                late()
        if open_connections:
            sweeping.append(loop.call_later(tick, sweep, loop))

    # The base's methods called directly: `super()` builds an object on each of five calls a request.
    _base = HttpToolsProtocol

    class BoundedProtocol(HttpToolsProtocol):
        _deadline = 0.0
        _late: Callable[[], None] | None = None  # what to do once `_deadline` passes (None: nothing due)
        _phase: str | None = None  # None (between requests), "head" or "body"
        _head_bytes = 0
        _refused = False  # answered by the protocol: the rest of what the client sends is ignored
        _fits = False
        _extensions: dict[str, object]

        def _arm(self, seconds: float, then: Callable[[], None]) -> None:
            self._deadline = self.loop.time() + seconds
            self._late = then

        def _disarm(self) -> None:
            self._late = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._extensions = {RESET_EXTENSION: reset_extension(transport)}
            open_connections.add(self)
            if not sweeping:
                sweeping.append(self.loop.call_later(tick, sweep, self.loop))
            self._arm(limits.idle_seconds, self._close)  # a connection that never sends a byte

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            open_connections.discard(self)
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return
            # A head that fits with all of this chunk fits: `on_headers_complete` need not measure it.
            self._fits = (self._head_bytes if self._phase == "head" else 0) + len(data) <= limits.max_head_bytes
            _base.data_received(self, data)
            if self._phase == "head":  # headers still incomplete: count what they took so far
                self._head_bytes += len(data)
                if self._head_bytes > limits.max_head_bytes:
                    self._too_large()

        def _too_large(self) -> None:
            self._refuse(431, f"The request line and headers exceed {limits.max_head_bytes} bytes")

        def on_message_begin(self) -> None:
            if self._refused:
                return
            _base.on_message_begin(self)
            self._phase, self._head_bytes = "head", 0
            # `_arm`, inline (twice a request, here and below)
            self._deadline, self._late = self.loop.time() + limits.head_seconds, self._head_late
            self.scope["extensions"] = self._extensions  # type: ignore[typeddict-item]

        def on_headers_complete(self) -> None:
            if self._refused:
                return
            if not self._fits:
                size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
                if size > limits.max_head_bytes:  # complete, but too large: the app never sees it
                    self._too_large()
                    return
            _base.on_headers_complete(self)
            self._phase = "body"
            self._deadline, self._late = self.loop.time() + limits.body_seconds, self._body_late

        def on_body(self, body: bytes) -> None:
            if not self._refused:
                _base.on_body(self, body)

        def on_message_complete(self) -> None:
            if self._refused:
                return
            _base.on_message_complete(self)
            self._phase = None
            self._late = None  # `_disarm`: from here on uvicorn's keep-alive timeout counts, after the answer

        def _head_late(self) -> None:
            self._refuse(408, f"The request's headers did not arrive within {limits.head_seconds:g} s")

        def _body_late(self) -> None:
            self._refuse(408, f"The request's body did not arrive within {limits.body_seconds:g} s")

        def _close(self) -> None:
            if not self.transport.is_closing():
                self.transport.close()

        def _refuse(self, status: int, message: str) -> None:
            """Answer `status` with the envelope (if no answer started) and close the connection."""
            self._disarm()
            self._refused = True
            phase, self._phase = self._phase, None
            if self.transport.is_closing():
                return
            # In the head, `self.cycle` is the previous request's (answered); in the body, this one's.
            cycle = self.cycle if phase == "body" else None
            if cycle is None or not cycle.response_started:
                body = json.dumps(envelope(status, message), separators=(",", ":")).encode()
                self.transport.write(_HEAD % (status, _REASONS[status], len(body)) + body)
            if cycle is not None and not cycle.response_complete:
                # The app's read ends as a disconnect, and anything it still sends is dropped.
                cycle.disconnected = True
                cycle.message_event.set()
            self.transport.close()

    return BoundedProtocol
