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
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver import Clock

__all__ = ["AsyncRecordingTransport", "Exchange", "ExchangeRecorder", "RecordingTransport", "SentRequest", "origin"]


def origin(url: str | httpx.URL) -> tuple[str, str, int | None]:
    parsed = httpx.URL(url)
    return parsed.scheme, parsed.host, parsed.port or {"http": 80, "https": 443}.get(parsed.scheme)


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
    """ASGI middleware: records each exchange (request body, status, JSON answer) in order."""

    def __init__(self, app: ASGIApp, clock: Clock) -> None:
        self.app = app
        self.clock = clock
        self._lock = threading.Lock()
        self._exchanges: list[Exchange] = []

    def exchanges(self) -> list[Exchange]:
        with self._lock:
            return list(self._exchanges)

    def clear(self) -> None:
        with self._lock:
            self._exchanges.clear()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        at = self.clock.now()
        chunks: list[bytes] = []
        answer: dict[str, Any] = {"status": 0, "headers": {}, "body": [], "sent": 0}

        async def receive_and_keep() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
            return message

        async def send_and_keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                answer["headers"] = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in message["headers"]}
            elif message["type"] == "http.response.body":
                answer["sent"] += len(message.get("body", b""))
                if answer["headers"].get("content-type", "").startswith("application/json"):
                    answer["body"].append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive_and_keep, send_and_keep)
        self._record(scope, at, b"".join(chunks), answer)

    def _record(self, scope: Scope, at: float, body: bytes, answer: dict[str, Any]) -> None:
        try:
            response_json = json.loads(b"".join(answer["body"])) if answer["body"] else None
        except ValueError:
            response_json = None
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        with self._lock:
            self._exchanges.append(
                Exchange(
                    seq=len(self._exchanges) + 1,
                    at=at,
                    method=scope["method"],
                    path=scope["path"],
                    query=scope["query_string"].decode("latin-1"),
                    headers=headers,
                    body=body,
                    status=answer["status"],
                    response_headers=answer["headers"],
                    response_json=response_json,
                    body_bytes=answer["sent"],
                )
            )


@dataclass(frozen=True)
class SentRequest:
    """One request the app under test sent through the fixture's transport."""

    at: float
    method: str
    url: str
    headers: dict[str, str]
    status: int | None  # None: no answer (another host, or a connection error)


@dataclass
class _Log:
    api_origin: tuple[str, str, int | None]
    clock: Clock
    sent: list[SentRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, request: httpx.Request, at: float, status: int | None) -> None:
        headers = {k.lower(): v for k, v in request.headers.items()}
        with self.lock:
            self.sent.append(SentRequest(at, request.method, str(request.url), headers, status))

    def foreign(self, request: httpx.Request) -> bool:
        return origin(request.url) != self.api_origin


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
        with self.log.lock:
            return list(self.log.sent)

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
