"""In-process transports: for *sync* httpx clients (httpx's own ASGITransport is async-only), and
an async one; both deliver scenario faults' latency and drops as a client would see them.

The sync app runs on a private event loop in a daemon thread; each request is handed to it and
the answer handed back. No sockets, no ports, and a forgotten `close()` cannot hang interpreter
exit. A fault's latency is not slept: an answer later than the request's own read timeout
raises `httpx.ReadTimeout` (the job may exist, as on a real server); an earlier one arrives at
once. A dropped answer raises `httpx.RemoteProtocolError`, as a closed connection does.
"""

from __future__ import annotations

import asyncio
import threading

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.http.vendor import DROP_HEADER, LATENCY_HEADER, SIMULATED

__all__ = ["SyncASGITransport", "AsyncASGITransport", "simulating"]


def simulating(app: ASGIApp) -> ASGIApp:
    """`app`, told that latency is simulated (reported in a header, not slept)."""

    async def simulated(scope: Scope, receive: Receive, send: Send) -> None:
        scope = {**scope, "extensions": {**scope.get("extensions", {}), SIMULATED: True}}
        await app(scope, receive, send)

    return simulated


def _delivered(request: httpx.Request, status: int, headers: httpx.Headers, content: bytes) -> httpx.Response:
    """The answer as the client sees it: in time, too late (a timeout) or never (a drop)."""
    latency = headers.get(LATENCY_HEADER.decode())
    dropped = DROP_HEADER.decode() in headers
    if latency is not None or dropped:
        headers = httpx.Headers([(k, v) for k, v in headers.multi_items() if k not in _MARKS])
    if latency is not None:
        timeout = request.extensions.get("timeout", {}).get("read")
        if timeout is not None and float(latency) > timeout:
            raise httpx.ReadTimeout(f"the mock answers after {latency} s (read timeout {timeout} s)", request=request)
    if dropped:
        raise httpx.RemoteProtocolError("Server disconnected without sending a complete response", request=request)
    return httpx.Response(status, headers=headers, content=content, request=request)


_MARKS = (LATENCY_HEADER.decode(), DROP_HEADER.decode())


class SyncASGITransport(httpx.BaseTransport):
    def __init__(self, app: ASGIApp, *, client: tuple[str, int] = ("127.0.0.1", 50000)) -> None:
        self._inner = httpx.ASGITransport(app=simulating(app), client=client)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(target=self._loop.run_forever, name="mockserver-transport", daemon=True)
                self._thread.start()
            return self._loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        inner = httpx.Request(
            request.method,
            request.url,
            headers=request.headers,
            content=body,
            extensions=request.extensions,
        )

        async def call() -> tuple[int, httpx.Headers, bytes]:
            response = await self._inner.handle_async_request(inner)
            return response.status_code, response.headers, await response.aread()

        future = asyncio.run_coroutine_threadsafe(call(), self._running_loop())
        status, headers, content = future.result()
        return _delivered(request, status, headers, content)

    def close(self) -> None:
        with self._lock:
            loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            loop.close()


class AsyncASGITransport(httpx.AsyncBaseTransport):
    """httpx's ASGITransport, with faults' latency and drops delivered as for sync clients."""

    def __init__(self, app: ASGIApp, *, client: tuple[str, int] = ("127.0.0.1", 50000)) -> None:
        self._inner = httpx.ASGITransport(app=simulating(app), client=client)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        content = await response.aread()
        return _delivered(request, response.status_code, response.headers, content)

    async def aclose(self) -> None:
        await self._inner.aclose()
