"""Assertions about how the app under test used the API, read from the recorded exchanges.

The rules themselves are `mockserver.control.checks` (the same ones `GET /_mock/checks` runs over
the mock's journal, for apps that are not Python); here the recorded exchanges are turned into
their input, and `JournalAssertions` turns findings into `AssertionError`s that name each request
by method, path and virtual time (`t=+12.0s` from the start of the test). Semantics: see that
module. In short (all per job, in the order the mock answered):

- polled no faster than N s: two consecutive polls of a job at least N s apart, unless the first
  answered an error (a retry is paced by backoff and `Retry-After`, not by the poll interval).
- stopped polling after a terminal status: no poll of a job after one answered
  completed/failed/cancelled/expired.
- respected Retry-After: after an answer with `Retry-After: S`, the next request to the same
  method and path came at least S s later.
- no resubmits: no submit with the same JSON body as an earlier submit the server accepted (202)
  or may have acted on (5xx); resubmitting after a 4xx (400/401/402/404/429: nothing was created)
  is fine. With `max_submits`, also at most that many accepted submits.
- downloaded each output once: every output of every job the app saw completed (one per entry
  of `unsigned_urls`) was downloaded exactly once (one 200, or 206 ranges of one download).
- no truncated downloads: every output the app began to download was read whole, in one answer
  or in pieces (a broken 200 and the 206 ranges that resumed it): the bytes the mock sent cover
  the video from its first byte to its last (`Content-Length`, or the total of `Content-Range`).
- key only to the API host: no request through the fixture's transports carried the key to
  another scheme/host/port. Only `transport` / `async_transport` (and `client`) see requests:
  an httpx client the app builds on its own transport, or any other HTTP library, is invisible.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Protocol

from mockserver.control import checks

from .recording import Exchange, origin
from .transports import SentRequest

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
    "truncated_downloads",
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


def _kind(exchange: Exchange) -> tuple[str | None, str | None]:
    from mockserver.http.router import operation_of

    return operation_of(exchange.method, exchange.path)


def observed(exchanges: list[Exchange]) -> list[checks.Observed]:
    """The exchanges as the shared rules read them."""
    found = []
    for exchange in exchanges:
        operation, job_id = _kind(exchange)
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


def truncated_downloads(exchanges: list[Exchange], timeline: Timeline) -> list[str]:
    pieces: dict[tuple[str, int], list[tuple[int, int, Exchange]]] = defaultdict(list)
    sizes: dict[tuple[str, int], int] = {}
    for exchange in exchanges:
        operation, job_id = _kind(exchange)
        if operation != "content" or job_id is None or exchange.method != "GET":
            continue
        span = _span(exchange)
        if span is not None:
            output = (job_id, exchange.index)
            sizes[output] = span[1]
            pieces[output].append((span[0], span[0] + exchange.body_bytes, exchange))
    problems = []
    for (job_id, index), got in pieces.items():
        size, read = sizes[job_id, index], _covered(got)
        if read < size:
            listed = "; ".join(f"{timeline.name(e)} ({end - start} bytes from {start})" for start, end, e in got)
            problems.append(f"job {job_id} output {index}: {read} of {size} bytes read, never the rest: {listed}")
    return problems


def _span(exchange: Exchange) -> tuple[int, int] | None:
    """(first byte, size of the whole video) of a 200 or 206 download; None for anything else."""
    headers = exchange.response_headers
    if exchange.status == 200 and headers.get("content-length", "").isdigit():
        return 0, int(headers["content-length"])
    unit, _, rest = headers.get("content-range", "").partition(" ")
    first, total = rest.partition("-")[0], rest.partition("/")[2]
    if exchange.status == 206 and unit == "bytes" and first.isdigit() and total.isdigit():
        return int(first), int(total)
    return None


def _covered(pieces: list[tuple[int, int, Exchange]]) -> int:
    """How many bytes from the first on the pieces cover without a gap."""
    reached = 0
    for start, end, _ in sorted(pieces, key=lambda piece: piece[0]):
        if start > reached:
            break
        reached = max(reached, end)
    return reached


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

    def assert_no_truncated_downloads(self) -> None:
        _fail("kept a download that was cut short", truncated_downloads(self.exchanges(), self.timeline))

    def assert_key_sent_only_to_api_host(self) -> None:
        """No request the app sent through this fixture's `transport` / `async_transport` / `client`
        carried the API key to another scheme, host or port. It sees only those transports: requests
        an app makes with its own httpx transport, another library or another process are not seen."""
        problems = key_leaks(self.sent, self.base_url, self.api_key, self.timeline)
        _fail(f"sent the API key to a host other than {origin(self.base_url)[1]}", problems)
