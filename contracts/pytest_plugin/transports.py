"""The httpx transports handed to the app under test: every request it sends, to any host, recorded.

Requests for another host never leave the process: they fail with `httpx.ConnectError` (tests
stay on loopback), and are recorded all the same. In front of an in-process mock
(`SyncASGITransport`, `AsyncASGITransport`) they also keep what the mock answered: the `Answer`
the transport collected anyway, so the app's `receive` and `send` are not wrapped and a request
costs one tuple.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import httpx

from mockserver import AsyncASGITransport, Clock, SyncASGITransport
from mockserver.http.transport import Answer

from .recording import Answered, Exchange, Pairs, answered_exchange, is_json, origin

__all__ = ["AsyncRecordingTransport", "RecordingTransport", "SentRequest"]

_URL_MEMO = 1024


def _kept_answer(answer: Answer) -> Answered:
    scope, parts = answer.scope, answer.parts
    json_body = (parts[0] if len(parts) == 1 else b"".join(parts)) if is_json(answer.headers) else None
    sent = sum(map(len, parts))  # fewer than Content-Length: the body broke
    return (scope["path"], scope["query_string"], answer.status, tuple(answer.headers), json_body, sent, answer.body)


@dataclass(frozen=True)
class SentRequest:
    """One request the app under test sent through the fixture's transport."""

    at: float
    method: str
    url: str
    headers: dict[str, str]
    status: int | None  # None: no answer (another host, or a connection error)


# A request as the log keeps it: time, method, URL, headers, status, and what the mock answered.
_Kept = tuple[float, str, str, Pairs, int | None, Answered | None]


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
                self._exchanges.append(answered_exchange(len(self._exchanges) + 1, at, method, headers, answered))
        self._raw.clear()

    def admit(self, request: httpx.Request) -> tuple[float, str]:
        """When `request` was sent (the mock's clock) and its URL; one for another host is
        recorded and refused here (`httpx.ConnectError`)."""
        at = self.clock.now()
        url, foreign = self.url_of(request)
        if foreign:
            self.add(at, request, url, None, None)
            raise _unreachable(request)
        return at, url

    def answered(
        self, at: float, request: httpx.Request, url: str, answer: Answer | None, response: httpx.Response
    ) -> httpx.Response:
        self.add(at, request, url, answer, response.status_code)
        return response

    def url_of(self, request: httpx.Request) -> tuple[str, bool]:
        """The request's URL as text, and whether it leaves the API's origin. A poll loop sends
        one URL again and again, and each `httpx.URL` property re-parses: remembered by the URL's
        parsed form (a tuple of strings), up to `_URL_MEMO` URLs."""
        url = request.url
        key = url._uri_reference
        known = self._urls.get(key)
        if known is None:
            known = str(url), origin(url) != self.api_origin
            if len(self._urls) >= _URL_MEMO:
                self._urls.clear()
            self._urls[key] = known
        return known


def _unreachable(request: httpx.Request) -> httpx.ConnectError:
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
        at, url = self.log.admit(request)
        answer = None
        try:
            if self._in_process is None:
                return self.log.answered(at, request, url, None, self.inner.handle_request(request))
            answer = self._in_process.exchange(request)
            return self.log.answered(at, request, url, answer, answer.response(request))
        except httpx.HTTPError:
            self.log.add(at, request, url, answer, None)
            raise

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
        at, url = self.log.admit(request)
        answer = None
        try:
            if self._in_process is None:
                return self.log.answered(at, request, url, None, await self.inner.handle_async_request(request))
            answer = await self._in_process.exchange(request)
            return self.log.answered(at, request, url, answer, answer.response(request))
        except httpx.HTTPError:
            self.log.add(at, request, url, answer, None)
            raise

    async def aclose(self) -> None:
        """A no-op: clients come and go, the fixture owns the transport."""
