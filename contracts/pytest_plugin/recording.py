"""What the app under test did, recorded from both sides.

- `RecordingTransport` / `AsyncRecordingTransport`: the httpx transports handed to the app; every
  request the app sends, to any host. Requests for another host never leave the process: they
  fail with `httpx.ConnectError` (tests stay on loopback), and are recorded all the same. In
  front of an in-process mock (`SyncASGITransport`, `AsyncASGITransport`) they also keep what
  the mock answered: the `Answer` the transport collected anyway, so the app's `receive` and
  `send` are not wrapped and a request costs one tuple.
- `ExchangeRecorder`: ASGI middleware around a live mock (whose clients may not be Python);
  every request it answered.

Both give the journal assertions `Exchange`s: every request the mock answered, with bodies and
the mock's (virtual) time, built when first asked for (figures: bench/README.md).
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

from mockserver import AsyncASGITransport, Clock, SyncASGITransport
from mockserver.http.transport import Answer

__all__ = ["AsyncRecordingTransport", "Exchange", "ExchangeRecorder", "RecordingTransport", "SentRequest", "origin"]


_DEFAULT_PORTS = {"http": 80, "https": 443}
_URL_MEMO = 1024


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
    JSON) are built when `exchanges()` is first asked for them.
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
            if _is_json(self.headers):
                self.json_parts = []
        elif kind == "http.response.body":
            body = message.get("body", b"")
            self.sent += len(body)
            if self.json_parts is not None:
                self.json_parts.append(body)
        await self._send(message)


def _exchange(seq: int, at: float, request: _Request, taps: _Taps) -> Exchange:
    method, path, query, headers = request
    json_body = b"".join(taps.json_parts) if taps.json_parts else None
    answered = (path, query, taps.status, tuple(taps.headers), json_body, taps.sent, b"".join(taps.chunks))
    return _answered(seq, at, method, headers, answered)


def _answered(
    seq: int, at: float, method: str, headers: Iterable[tuple[bytes, bytes]], answered: _Answered
) -> Exchange:
    """The `Exchange` of an answer, in-process or recorded live (`ExchangeRecorder`'s taps)."""
    path, query, status, response_headers, json_body, sent, body = answered
    return Exchange(
        seq=seq,
        at=at,
        method=method,
        path=path,
        query=query.decode("latin-1"),
        headers=_decoded(headers),
        body=body,
        status=status,
        response_headers=_decoded(response_headers),
        response_json=_json(json_body),
        body_bytes=sent,
    )


def _kept_answer(answer: Answer) -> _Answered:
    scope, parts = answer.scope, answer.parts
    json_body = (parts[0] if len(parts) == 1 else b"".join(parts)) if _is_json(answer.headers) else None
    sent = sum(map(len, parts))  # fewer than Content-Length: the body broke
    return (scope["path"], scope["query_string"], answer.status, tuple(answer.headers), json_body, sent, answer.body)


def _decoded(headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in headers}


def _is_json(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name.lower() == b"content-type":
            return value.startswith(b"application/json")
    return False


def _json(body: bytes | None) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


@dataclass(frozen=True)
class SentRequest:
    """One request the app under test sent through the fixture's transport."""

    at: float
    method: str
    url: str
    headers: dict[str, str]
    status: int | None  # None: no answer (another host, or a connection error)


_Pairs = tuple[tuple[bytes, bytes], ...]  # headers, names lowercased
# An in-process answer: path, query, status, headers, the body if JSON, bytes sent, request body.
_Answered = tuple[str, bytes, int, _Pairs, bytes | None, int, bytes]
# A request as the log keeps it: time, method, URL, headers, status, and what the mock answered.
_Kept = tuple[float, str, str, _Pairs, int | None, _Answered | None]


class _Log:
    """What went through the transports, kept as plain tuples of strings, bytes and numbers (the
    garbage collector stops tracking those once it has looked at them: the requests and answers
    themselves, kept, stayed on its lists and made every collection longer, ~20 µs a poll after
    10,000); `SentRequest`s and `Exchange`s (the answers) are built from them when read."""

    def __init__(self, api_origin: tuple[str, str, int | None], clock: Clock) -> None:
        self.api_origin = api_origin
        self.clock = clock
        self.lock = threading.Lock()
        self._sent: list[SentRequest] = []
        self._exchanges: list[Exchange] = []
        self._raw: list[_Kept] = []
        self._urls: dict[object, tuple[str, bool]] = {}

    def add(self, at: float, request: httpx.Request, url: str, answer: Answer | None, status: int | None) -> None:
        if answer is None:
            headers, answered = tuple((name.lower(), value) for name, value in request.headers.raw), None
        else:
            headers, answered = tuple(answer.scope["headers"]), _kept_answer(answer)
        kept = (at, request.method, url, headers, status, answered)
        with self.lock:
            self._raw.append(kept)

    def sent(self) -> list[SentRequest]:
        with self.lock:
            self._build()
            return list(self._sent)

    def exchanges(self) -> list[Exchange]:
        """What the in-process mock answered (a request it answered that then broke, say a read
        timeout, is one too: the mock did answer)."""
        with self.lock:
            self._build()
            return list(self._exchanges)

    def _build(self) -> None:
        for at, method, url, headers, status, answered in self._raw:
            sent_headers = dict(httpx.Headers(headers).items())  # as `request.headers.items()` gives them
            self._sent.append(SentRequest(at, method, url, sent_headers, status))
            if answered is not None:
                self._exchanges.append(_answered(len(self._exchanges) + 1, at, method, headers, answered))
        self._raw.clear()

    def url_of(self, request: httpx.Request) -> tuple[str, bool]:
        """The request's URL as text, and whether it leaves the API's origin. A poll loop sends
        one URL again and again, and each `httpx.URL` property re-parses: remembered by the URL's
        parsed form (a tuple of strings), up to `_URL_MEMO` URLs."""
        url = request.url
        key = url._uri_reference
        known = self._urls.get(key)
        if known is None:
            known = str(url), (url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme)) != self.api_origin
            if len(self._urls) >= _URL_MEMO:
                self._urls.clear()
            self._urls[key] = known
        return known


def _unreachable(request: httpx.Request, log: _Log) -> httpx.ConnectError:
    host = request.url.host
    return httpx.ConnectError(f"modelgates: {host} is not reachable from this test (only the mock is)", request=request)


class RecordingTransport(httpx.BaseTransport):
    """Sends API requests to `inner`, records every request, refuses other hosts."""

    def __init__(self, inner: httpx.BaseTransport, *, api_url: str, clock: Clock) -> None:
        self.inner = inner
        self.log = _Log(origin(api_url), clock)
        self._in_process = inner if isinstance(inner, SyncASGITransport) else None

    @property
    def sent(self) -> list[SentRequest]:
        return self.log.sent()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        log = self.log
        at = log.clock.now()
        url, foreign = log.url_of(request)
        if foreign:
            log.add(at, request, url, None, None)
            raise _unreachable(request, log)
        answer = None
        try:
            if self._in_process is None:
                response = self.inner.handle_request(request)
            else:
                answer = self._in_process.exchange(request)
                response = answer.response(request)
        except httpx.HTTPError:
            log.add(at, request, url, answer, None)
            raise
        log.add(at, request, url, answer, response.status_code)
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
        self._in_process = inner if isinstance(inner, AsyncASGITransport) else None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        log = self.log
        at = log.clock.now()
        url, foreign = log.url_of(request)
        if foreign:
            log.add(at, request, url, None, None)
            raise _unreachable(request, log)
        answer = None
        try:
            if self._in_process is None:
                response = await self.inner.handle_async_request(request)
            else:
                answer = await self._in_process.exchange(request)
                response = answer.response(request)
        except httpx.HTTPError:
            log.add(at, request, url, answer, None)
            raise
        log.add(at, request, url, answer, response.status_code)
        return response

    async def aclose(self) -> None:
        """A no-op: clients come and go, the fixture owns the transport."""
