"""Assertions about how the app under test used the API, read from the recorded exchanges.

The rules themselves are `mockserver.control.checks` (the same ones `GET /_mock/checks` runs over
the mock's journal, for apps that are not Python); here the recorded exchanges are turned into
their input, and `JournalAssertions` turns findings into `AssertionError`s that name each request
by method, path and virtual time (`t=+12.0s` from the start of the test). Semantics: see that
module; and, client-side only:

- key only to the API host: no request through the fixture's transports carried the key to
  another scheme/host/port. Only `transport` / `async_transport` (and `client`) see requests:
  an httpx client the app builds on its own transport, or any other HTTP library, is invisible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from contracts.recording import Exchange, SentRequest, origin
from mockserver.control import checks

__all__ = [
    "JournalAssertions",
    "Timeline",
    "downloads_not_once",
    "key_leaks",
    "observed",
    "polls_after_terminal",
    "polls_too_fast",
    "resubmits",
    "retry_after_ignored",
]


class _Named(Protocol):
    @property
    def at(self) -> float: ...
    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def query(self) -> str: ...
    @property
    def status(self) -> int: ...


@dataclass(frozen=True)
class Timeline:
    """Names requests for messages: `GET /api/v1/videos/ID at t=+12.0s`."""

    t0: float

    def at(self, when: float) -> str:
        return f"t=+{when - self.t0:.1f}s"

    def name(self, exchange: _Named) -> str:
        query = f"?{exchange.query}" if exchange.query else ""
        return f"{exchange.method} {exchange.path}{query} at {self.at(exchange.at)} → {exchange.status}"


def observed(exchanges: list[Exchange]) -> list[checks.Observed]:
    """The exchanges as the shared rules read them."""
    from mockserver.http.vendor import operation_of

    found = []
    for exchange in exchanges:
        operation, job_id = operation_of(exchange.method, exchange.path)
        answer = exchange.response_json if isinstance(exchange.response_json, dict) else {}
        status, urls = answer.get("status"), answer.get("unsigned_urls")
        if operation == "submit" and isinstance(answer.get("id"), str):
            job_id = answer["id"]
        found.append(
            checks.Observed(
                seq=exchange.seq,
                at=exchange.at,
                method=exchange.method,
                path=exchange.path,
                query=exchange.query,
                status=exchange.status,
                operation=operation,
                job_id=job_id,
                retry_after=exchange.response_headers.get("retry-after"),
                answer=status if isinstance(status, str) else None,
                body=exchange.json if operation == "submit" else None,
                outputs=len(urls) if isinstance(urls, list) else 1,
                output=exchange.index if operation == "content" else 0,
            )
        )
    return found


def _texts(findings: list[checks.Finding]) -> list[str]:
    return [finding.text for finding in findings]


def polls_too_fast(exchanges: list[Exchange], seconds: float, timeline: Timeline) -> list[str]:
    return _texts(checks.polls_too_fast(observed(exchanges), seconds, timeline.name))


def polls_after_terminal(exchanges: list[Exchange], timeline: Timeline) -> list[str]:
    return _texts(checks.polls_after_terminal(observed(exchanges), timeline.name))


def retry_after_ignored(exchanges: list[Exchange], timeline: Timeline) -> list[str]:
    return _texts(checks.retry_after_ignored(observed(exchanges), timeline.name))


def resubmits(exchanges: list[Exchange], timeline: Timeline, max_submits: int | None = None) -> list[str]:
    return _texts(checks.resubmits(observed(exchanges), timeline.name, max_submits))


def downloads_not_once(exchanges: list[Exchange], timeline: Timeline) -> list[str]:
    return _texts(checks.downloads_not_once(observed(exchanges), timeline.name))


def key_leaks(sent: list[SentRequest], api_url: str, api_key: str, timeline: Timeline) -> list[str]:
    api = origin(api_url)
    problems = []
    for request in sent:
        carried = any(api_key in value for value in request.headers.values()) or api_key in request.url
        if carried and origin(request.url) != api:
            url = request.url.replace(api_key, "[API KEY]")
            problems.append(f"{request.method} {url} at {timeline.at(request.at)} carried the API key")
    return problems


def _fail(title: str, problems: list[str]) -> None:
    if problems:
        raise AssertionError(f"{title}:\n" + "\n".join(f"  - {problem}" for problem in problems))


class JournalAssertions:
    """Mixed into the fixtures; they provide the records and the timeline."""

    api_key: str
    base_url: str

    def exchanges(self) -> list[Exchange]:
        raise NotImplementedError

    @property
    def sent(self) -> list[SentRequest]:
        raise NotImplementedError

    @property
    def timeline(self) -> Timeline:
        raise NotImplementedError

    def assert_polled_no_faster_than(self, seconds: float) -> None:
        _fail(f"polled faster than every {seconds:g} s", polls_too_fast(self.exchanges(), seconds, self.timeline))

    def assert_stopped_polling_after_terminal(self) -> None:
        _fail("kept polling after the job had finished", polls_after_terminal(self.exchanges(), self.timeline))

    def assert_respected_retry_after(self) -> None:
        _fail("did not wait as long as Retry-After asked", retry_after_ignored(self.exchanges(), self.timeline))

    def assert_no_resubmits(self, *, max_submits: int | None = None) -> None:
        _fail("resubmitted a job", resubmits(self.exchanges(), self.timeline, max_submits))

    def assert_downloaded_each_output_once(self) -> None:
        _fail("did not download each output exactly once", downloads_not_once(self.exchanges(), self.timeline))

    def assert_key_sent_only_to_api_host(self) -> None:
        """No request the app sent through this fixture's `transport` / `async_transport` / `client`
        carried the API key to another scheme, host or port. It sees only those transports: requests
        an app makes with its own httpx transport, another library or another process are not seen."""
        problems = key_leaks(self.sent, self.base_url, self.api_key, self.timeline)
        _fail(f"sent the API key to a host other than {origin(self.base_url)[1]}", problems)
