"""What the mock answered, as the journal assertions read it: `Exchange`s, recorded from both sides.

- `ExchangeRecorder`: ASGI middleware around a live mock (whose clients may not be Python);
  every request it answered.
- In-process, the app's transports (`transports.py`) keep each answer as a plain tuple
  (`Answered`) and build the same `Exchange` from it (`answered_exchange`) when first asked for
  (figures: bench/README.md).
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

__all__ = ["Answered", "Exchange", "ExchangeRecorder", "Pairs", "answered_exchange", "is_json", "origin"]


_DEFAULT_PORTS = {"http": 80, "https": 443}

Pairs = tuple[tuple[bytes, bytes], ...]  # headers, names lowercased
# An answer: path, query, status, headers, the body if JSON, bytes sent, request body.
Answered = tuple[str, bytes, int, Pairs, bytes | None, int, bytes]


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
            if is_json(self.headers):
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
    return answered_exchange(seq, at, method, headers, answered)


def answered_exchange(
    seq: int, at: float, method: str, headers: Iterable[tuple[bytes, bytes]], answered: Answered
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


def _decoded(headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in headers}


def is_json(headers: Iterable[tuple[bytes, bytes]]) -> bool:
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
