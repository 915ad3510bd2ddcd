"""What the app under test did, recorded from both sides.

- `ExchangeRecorder`: ASGI middleware around the mock; every request it answered, with bodies
  and the mock's (virtual) time. The journal assertions read these.
- `RecordingTransport` / `AsyncRecordingTransport`: the httpx transports handed to the app; every
  request the app sends, to any host. Requests for another host never leave the process: they
  fail with `httpx.ConnectError` (tests stay on loopback), and are recorded all the same.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver import Clock

__all__ = ["AsyncRecordingTransport", "Exchange", "ExchangeRecorder", "RecordingTransport", "SentRequest", "origin"]


_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str | httpx.URL) -> tuple[str, str, int | None]:
    parsed = httpx.URL(url)
    return parsed.scheme, parsed.host, parsed.port or _DEFAULT_PORTS.get(parsed.scheme)


@dataclass(frozen=True)
class Exchange:
    """One request the mock answered."""

    seq: int
    at: float
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    status: int
    response_headers: dict[str, str]
    response_json: Any = None
    body_bytes: int = 0  # body bytes the mock sent (fewer than Content-Length: the body broke)

    @property
    def json(self) -> Any:
        """The request body as JSON (None if it is not)."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def index(self) -> int:
        """`?index=` of a content request (0 when absent or malformed)."""
        values = parse_qs(self.query).get("index", ["0"])
        return int(values[0]) if values[0].isdigit() else 0


class ExchangeRecorder:
    """ASGI middleware: records each exchange (request body, status, JSON answer) in order.

    A request costs a tuple of what the app saw; the `Exchange` objects (decoded headers, parsed
    JSON) are built when `exchanges()` is first asked for them (figures: bench/README.md).
    """

    def __init__(self, app: ASGIApp, clock: Clock) -> None:
        self.app = app
        self.clock = clock
        self._lock = threading.Lock()
        self._exchanges: list[Exchange] = []
        self._raw: list[tuple[float, _Request, _Taps]] = []  # answered, not yet built

    def exchanges(self) -> list[Exchange]:
        with self._lock:
            for at, request, taps in self._raw:
                self._exchanges.append(_exchange(len(self._exchanges) + 1, at, request, taps))
            self._raw.clear()
            return list(self._exchanges)

    def clear(self) -> None:
        with self._lock:
            self._exchanges.clear()
            self._raw.clear()

    def answers_at_once(self, scope: Scope) -> bool:
        """As the app says: recording awaits nothing but the app's own `receive` and `send`."""
        at_once = getattr(self.app, "answers_at_once", None)
        return at_once is not None and bool(at_once(scope))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        at = self.clock.now()
        taps = _Taps(receive, send)
        await self.app(scope, taps.receive, taps.send)
        request = (scope["method"], scope["path"], scope["query_string"], scope["headers"])
        with self._lock:
            self._raw.append((at, request, taps))


_Request = tuple[str, str, bytes, Iterable[tuple[bytes, bytes]]]  # method, path, query, headers


class _Taps:
    """An exchange's `receive` and `send`, passed through and kept (raw until asked for)."""

    __slots__ = ("_receive", "_send", "chunks", "headers", "json_parts", "sent", "status")

    def __init__(self, receive: Receive, send: Send) -> None:
        self._receive = receive
        self._send = send
        self.chunks: list[bytes] = []
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.json_parts: list[bytes] | None = None  # set when the answer is JSON
        self.sent = 0  # body bytes sent: fewer than Content-Length when a download fault broke it

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self.chunks.append(message.get("body", b""))
        return message

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.status = message["status"]
            self.headers = message["headers"]
            for name, value in self.headers:
                if name.lower() == b"content-type":
                    if value.startswith(b"application/json"):
                        self.json_parts = []
                    break
        elif kind == "http.response.body":
            body = message.get("body", b"")
            self.sent += len(body)
            if self.json_parts is not None:
                self.json_parts.append(body)
        await self._send(message)


def _exchange(seq: int, at: float, request: _Request, taps: _Taps) -> Exchange:
    method, path, query, headers = request
    response_json = None
    if taps.json_parts:
        try:
            response_json = json.loads(b"".join(taps.json_parts))
        except ValueError:
            response_json = None
    return Exchange(
        seq=seq,
        at=at,
        method=method,
        path=path,
        query=query.decode("latin-1"),
        headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in headers},
        body=b"".join(taps.chunks),
        status=taps.status,
        response_headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in taps.headers},
        response_json=response_json,
        body_bytes=taps.sent,
    )


@dataclass(frozen=True)
class SentRequest:
    """One request the app under test sent through the fixture's transport."""

    at: float
    method: str
    url: str
    headers: dict[str, str]
    status: int | None  # None: no answer (another host, or a connection error)


class _Log:
    """What went through the transports: (time, request, status) now, `SentRequest`s when read."""

    def __init__(self, api_origin: tuple[str, str, int | None], clock: Clock) -> None:
        self.api_origin = api_origin
        self.clock = clock
        self.lock = threading.Lock()
        self._sent: list[SentRequest] = []
        self._raw: list[tuple[float, httpx.Request, int | None]] = []

    def add(self, request: httpx.Request, at: float, status: int | None) -> None:
        with self.lock:
            self._raw.append((at, request, status))

    def sent(self) -> list[SentRequest]:
        with self.lock:
            for at, request, status in self._raw:
                headers = {k.lower(): v for k, v in request.headers.items()}
                self._sent.append(SentRequest(at, request.method, str(request.url), headers, status))
            self._raw.clear()
            return list(self._sent)

    def foreign(self, request: httpx.Request) -> bool:
        url = request.url
        return (url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme)) != self.api_origin


def _unreachable(request: httpx.Request, log: _Log) -> httpx.ConnectError:
    host = request.url.host
    return httpx.ConnectError(f"modelgates: {host} is not reachable from this test (only the mock is)", request=request)


class RecordingTransport(httpx.BaseTransport):
    """Sends API requests to `inner`, records every request, refuses other hosts."""

    def __init__(self, inner: httpx.BaseTransport, *, api_url: str, clock: Clock) -> None:
        self.inner = inner
        self.log = _Log(origin(api_url), clock)

    @property
    def sent(self) -> list[SentRequest]:
        return self.log.sent()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        at = self.log.clock.now()
        if self.log.foreign(request):
            self.log.add(request, at, None)
            raise _unreachable(request, self.log)
        try:
            response = self.inner.handle_request(request)
        except httpx.HTTPError:
            self.log.add(request, at, None)
            raise
        self.log.add(request, at, response.status_code)
        return response

    def close(self) -> None:
        """A no-op: clients come and go, the fixture owns the transport (see `shutdown`)."""

    def shutdown(self) -> None:
        self.inner.close()


class AsyncRecordingTransport(httpx.AsyncBaseTransport):
    """The async twin of `RecordingTransport` (sharing its log when given one)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, *, log: _Log) -> None:
        self.inner = inner
        self.log = log

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        at = self.log.clock.now()
        if self.log.foreign(request):
            self.log.add(request, at, None)
            raise _unreachable(request, self.log)
        try:
            response = await self.inner.handle_async_request(request)
        except httpx.HTTPError:
            self.log.add(request, at, None)
            raise
        self.log.add(request, at, response.status_code)
        return response

    async def aclose(self) -> None:
        """A no-op: clients come and go, the fixture owns the transport."""
