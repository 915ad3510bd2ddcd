"""In-process httpx transports for an ASGI app: no sockets, no ports, the app runs on the caller's thread.

- `SyncASGITransport` (httpx's own ASGITransport is async-only) runs the app's coroutine on the
  thread that sends the request: handing each request to a loop thread and back cost forty
  times the mock's own work for a poll. A request the app says it answers at once (its
  `answers_at_once(scope)`, see `MockApp`: the vendor routes await nothing but `receive` and
  `send`) is stepped to its end directly, with no event loop; any other runs on a private
  event loop of the transport (figures: bench/README.md). A thread that already runs an
  event loop (sync code called from async code) cannot run a second one, so those requests go
  to a loop thread started for them. One request at a time reaches the app, from however many
  threads.
- `AsyncASGITransport` awaits the app in the caller's task. httpx's ASGITransport does the same
  but looks for trio on every request, a failing `import sniffio` that costs more than the
  mock's whole answer when sniffio is not installed.

Both give the app the whole body in one `http.request` message, then `http.disconnect` once the
answer is complete; an exception escaping the app propagates to the caller, and an app that
returns without answering is an `httpx.RemoteProtocolError`. A download a scenario breaks on
purpose breaks as it would from a socket (`simulated`: a cut, a reset, a read timeout), and a
fault's latency is not slept: beyond the request's read timeout it is an `httpx.ReadTimeout`.

`exchange(request)` runs the app and returns the `Answer`: the scope and body the app saw and
what it sent back. `handle_request` is `exchange(request).response(request)`; the pytest plugin
calls the two halves itself to record each answer without wrapping the app's `receive` and
`send` in a second pair of coroutines (figures: bench/README.md).
"""

from __future__ import annotations

import asyncio
import operator
import threading
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, cast

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.http._request_parts import remember
from mockserver.http.broken_body import SIMULATION, Simulation
from mockserver.http.simulated import simulated_response, simulation_for

__all__ = ["Answer", "AsyncASGITransport", "SyncASGITransport"]

Client = tuple[str, int]
_LOWER_NAME_VALUE = operator.itemgetter(1, 2)  # in C: a comprehension cost a poll ~60 bytecodes
_Call = Callable[[Scope, Receive, Send], Coroutine[Any, Any, None]]


_UrlParts = tuple[str, str, bytes, bytes, tuple[str, "int | None"]]
# Each `httpx.URL` property parses or re-encodes: five of them cost a poll more than its journal
# entry. A poll loop sends one URL again and again; its parts are remembered by the URL's parsed
# form (a tuple of strings, equal for equal URLs), bounded like every memo of the mock.
_URL_PARTS: dict[object, _UrlParts] = {}


def _url_parts(url: httpx.URL) -> _UrlParts:
    key = url._uri_reference
    parts = _URL_PARTS.get(key)
    if parts is None:
        parts = (url.scheme, url.path, url.raw_path.split(b"?")[0], url.query, (url.host, url.port))
        remember(_URL_PARTS, key, parts)
    return parts


def _scope(request: httpx.Request, client: Client) -> dict[str, Any]:
    # The scope httpx.ASGITransport builds, field for field.
    scheme, path, raw_path, query, server = _url_parts(request.url)
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        # httpx keeps each header as (name, lowercased name, value): ASGI's pairs are there already.
        "headers": list(map(_LOWER_NAME_VALUE, request.headers._list)),
        "scheme": scheme,
        "path": path,
        "raw_path": raw_path,
        "query_string": query,
        "server": server,
        "client": client,
        "root_path": "",
    }


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class Answer:
    """One request as the app saw it (`scope`, `body`), what the app sent back (`status`,
    `headers`, the body's `parts`: a HEAD answer's too, `response` drops them as a socket would)
    and the request's `Simulation` (where a download fault broke the body)."""

    __slots__ = ("_done", "_sent_body", "body", "complete", "headers", "parts", "scope", "simulation", "status")

    def __init__(self, scope: dict[str, Any], body: bytes, simulation: Simulation) -> None:
        self.scope = scope
        self.body = body
        self.simulation = simulation
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.parts: list[bytes] = []
        self.complete = False
        self._sent_body = False
        self._done: asyncio.Event | None = None  # made only if the app listens past the body

    async def receive(self) -> Message:
        if not self._sent_body:
            self._sent_body = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        if not self.complete:
            # An app listening for the client to leave (a streaming answer) hears it once it has answered.
            if self._done is None:
                self._done = asyncio.Event()
            await self._done.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            if self.status:
                raise RuntimeError("the app started its answer twice")
            self.status = message["status"]
            self.headers = list(message.get("headers", ()))
        elif kind == "http.response.body":
            if not self.status or self.complete:
                raise RuntimeError("the app sent a body outside an answer")
            body = message.get("body", b"")
            if body:
                self.parts.append(body)
            if not message.get("more_body", False):
                self.complete = True
                if self._done is not None:
                    self._done.set()

    def response(self, request: httpx.Request) -> httpx.Response:
        """The answer as httpx gives it; a download broken on purpose breaks as from a socket."""
        if not self.complete:
            raise httpx.RemoteProtocolError("the app returned without a complete answer", request=request)
        parts = self.parts
        body = b"" if request.method == "HEAD" else parts[0] if len(parts) == 1 else b"".join(parts)
        return simulated_response(self.status, self.headers, body, self.simulation, request)


class SyncASGITransport(httpx.BaseTransport):
    def __init__(self, app: ASGIApp, *, client: Client = ("127.0.0.1", 50000)) -> None:
        self.app = app
        self.client = client
        self._call = cast(_Call, app)  # an ASGI app is an async callable: its call is a coroutine
        self._loop: asyncio.AbstractEventLoop | None = None
        # Reentrant: a request made from inside the app (on this thread) must not wait for itself.
        self._lock = threading.RLock()
        self._helper: _LoopThread | None = None
        self._at_once: Callable[[dict[str, Any]], bool] | None = getattr(app, "answers_at_once", None)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.exchange(request).response(request)

    def exchange(self, request: httpx.Request) -> Answer:
        """Run the app for `request` (an exception of the app's reaches the caller)."""
        scope = _scope(request, self.client)
        answer = Answer(scope, request.read(), simulation_for(request))
        call = self._call(scope, answer.receive, answer.send)
        with self._lock:
            token = SIMULATION.set(answer.simulation)
            try:
                if self._at_once is not None and self._at_once(scope):
                    _step_to_end(call)
                elif _loop_running():
                    self._loop_thread().run(call)
                else:
                    self._own_loop().run_until_complete(call)
            finally:
                SIMULATION.reset(token)
        return answer

    def _own_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None or self._loop.is_closed():
            self._loop = loop = asyncio.new_event_loop()
            weakref.finalize(self, loop.close)  # a transport dropped unclosed leaves no open loop behind
        return self._loop

    def _loop_thread(self) -> _LoopThread:
        if self._helper is None:
            self._helper = _LoopThread()
            weakref.finalize(self, self._helper.stop)
        return self._helper

    def close(self) -> None:
        with self._lock:
            loop, helper, self._loop, self._helper = self._loop, self._helper, None, None
        if loop is not None:
            loop.close()
        if helper is not None:
            helper.stop()


def _step_to_end(call: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine that never suspends (it awaits only coroutines that return at once)."""
    try:
        call.send(None)
    except StopIteration:
        return
    call.close()
    raise RuntimeError("the app suspended a request its answers_at_once said it answers at once")


class _LoopThread:
    """An event loop in a daemon thread, for callers whose own thread is running one."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="mockserver-transport", daemon=True)
        self.thread.start()

    def run(self, call: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(call, self.loop).result()

    def stop(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


class AsyncASGITransport(httpx.AsyncBaseTransport):
    def __init__(self, app: ASGIApp, *, client: Client = ("127.0.0.1", 50000)) -> None:
        self.app = app
        self.client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return (await self.exchange(request)).response(request)

    async def exchange(self, request: httpx.Request) -> Answer:
        """Await the app for `request` in the caller's task."""
        scope = _scope(request, self.client)
        answer = Answer(scope, await request.aread(), simulation_for(request))
        token = SIMULATION.set(answer.simulation)
        try:
            await self.app(scope, answer.receive, answer.send)
        finally:
            SIMULATION.reset(token)
        return answer
