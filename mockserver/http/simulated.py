"""In-process transports see a broken download as httpx sees one from a socket.

Around each in-process request a transport sets `SIMULATION` to `simulation_for(request)` (the
request's read timeout goes to the app); the app notes where a body broke instead of waiting or
closing a connection. `simulated_response` then answers with the status, the headers
(the full `Content-Length`) and a body that yields the bytes before the break and then raises:

- a cut: `httpx.RemoteProtocolError` (httpcore's "peer closed connection without sending
  complete message body");
- a reset: `httpx.ReadError` ("connection reset by peer");
- a stall or a dribble slower than the read timeout: `httpx.ReadTimeout`, without waiting;
- a scenario fault's latency beyond the read timeout: `httpx.ReadTimeout` before any answer.

Both of `transport`'s in-process transports do this.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx

from mockserver.http.broken_body import Broken, Simulation

__all__ = ["READ_SIZE", "read_response", "simulated_response", "simulation_for"]

READ_SIZE = 64 * 1024  # what httpcore asks a socket for at a time


def simulation_for(request: httpx.Request) -> Simulation:
    """What the app notes while it answers `request` in-process, starting from its read timeout."""
    timeout = request.extensions.get("timeout")
    return Simulation(timeout.get("read") if isinstance(timeout, dict) else None)


def simulated_response(
    status: int,
    headers: list[tuple[bytes, bytes]],
    content: bytes,
    simulation: Simulation,
    request: httpx.Request,
) -> httpx.Response:
    """The response the client reads: whole, or the bytes before a break and then the error.

    A video arrives in pieces of `READ_SIZE`, as httpcore reads a socket, so a streaming client
    sees its download progress and keeps what came before a break.
    """
    timeout = simulation.read_timeout
    if simulation.latency and timeout is not None and simulation.latency > timeout:
        # The job may exist: a client that gave up cannot tell (a submit's `after_commit` latency).
        message = f"the mock answers after {simulation.latency:g} s (read timeout {timeout:g} s)"
        raise httpx.ReadTimeout(message, request=request)
    if simulation.broken is None and len(content) <= READ_SIZE:
        return read_response(status, headers, content, request)
    error = None if simulation.broken is None else _error(simulation.broken, request)
    return httpx.Response(status, headers=headers, stream=_Pieces(content, error), request=request)


def read_response(
    status: int, headers: list[tuple[bytes, bytes]], content: bytes, request: httpx.Request
) -> httpx.Response:
    """`httpx.Response(status, headers=headers, content=content, request=request)`, already read.

    httpx reads a `content=` response through its stream machinery (decoder, chunker, context
    managers): ~8 µs, most of what a plain `MockTransport` costs a poll. Given the stream and its
    bytes at once, the response is in the state that read leaves (content, consumed, closed),
    which `test_simulated` holds field for field against httpx's own. A body httpx would decode
    (`content-encoding`) or a header set httpx would complete (no `content-length`) goes the
    ordinary way.
    """
    length = False
    for name, _ in headers:
        if name == b"content-encoding":
            return httpx.Response(status, headers=headers, content=content, request=request)
        length = length or name == b"content-length"
    if content and not length:
        return httpx.Response(status, headers=headers, content=content, request=request)
    response = httpx.Response(status, headers=headers, stream=httpx.ByteStream(content), request=request)
    response._content = content
    response.is_stream_consumed = response.is_closed = True
    return response


def _error(broken: Broken, request: httpx.Request) -> httpx.TransportError:
    if broken.kind == "timeout":
        return httpx.ReadTimeout("timed out", request=request)
    if broken.kind == "reset":
        return httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
    message = (
        "peer closed connection without sending complete message body "
        f"(received {broken.received} bytes, expected {broken.expected})"
    )
    return httpx.RemoteProtocolError(message, request=request)


class _Pieces(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body read in pieces, then (if it broke) the error."""

    def __init__(self, content: bytes, error: httpx.TransportError | None) -> None:
        self._content = content
        self._error = error

    def __iter__(self) -> Iterator[bytes]:
        view = memoryview(self._content)
        for start in range(0, len(view), READ_SIZE):
            yield bytes(view[start : start + READ_SIZE])
        if self._error is not None:
            raise self._error

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self:
            yield piece
