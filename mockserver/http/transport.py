"""In-process transport for *sync* httpx clients (httpx's own ASGITransport is async-only).

The app runs on a private event loop in a daemon thread; each request is handed to it and the
answer handed back. No sockets, no ports, and a forgotten `close()` cannot hang interpreter exit.
"""

from __future__ import annotations

import asyncio
import threading

import httpx
from starlette.types import ASGIApp

from mockserver.http.delivery import Simulation
from mockserver.http.simulated import simulated_response, simulating

__all__ = ["SyncASGITransport"]


class SyncASGITransport(httpx.BaseTransport):
    def __init__(self, app: ASGIApp, *, client: tuple[str, int] = ("127.0.0.1", 50000)) -> None:
        self._inner = httpx.ASGITransport(app=app, client=client)
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

        async def call() -> tuple[int, httpx.Headers, bytes, Simulation]:
            with simulating(request) as simulation:  # a broken download raises as from a socket
                response = await self._inner.handle_async_request(inner)
                return response.status_code, response.headers, await response.aread(), simulation

        future = asyncio.run_coroutine_threadsafe(call(), self._running_loop())
        status, headers, content, simulation = future.result()
        return simulated_response(status, headers, content, simulation, request)

    def close(self) -> None:
        with self._lock:
            loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            loop.close()
