"""The good-API-citizen rules over recorded traffic, as pure functions: stated once, used twice.

`GET /_mock/checks` runs them over the mock's journal (so an app in any language can be checked
over HTTP), and the pytest plugin's `assert_*` methods (`contracts.pytest_plugin.journal`) over the exchanges
its fixtures recorded. Each rule takes the requests in the order the mock answered them and
returns its findings: a sentence and the offending requests. Semantics, all per job:

- polled no faster than N s: two consecutive polls of a job at least N s apart (mock time),
  unless the first answered an error (a retry is paced by backoff and `Retry-After`).
- stopped polling after terminal: no poll of a job after one answered completed/failed/
  cancelled/expired.
- respected Retry-After: after an answer with `Retry-After: S`, the next request to the same
  method and path came at least S s later.
- no resubmits: no submit with the same JSON body as an earlier one the server accepted (202) or
  may have acted on (5xx); with `max_submits`, at most that many accepted submits.
- downloaded each output once: every output of every job the app saw completed was downloaded
  exactly once (one 200, or the 206 ranges of one download).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from mockserver.domain.jobs import TERMINAL, Job
from mockserver.domain.journal import Entry

__all__ = [
    "RULES",
    "BadQuery",
    "Finding",
    "Observed",
    "describe",
    "downloads_not_once",
    "from_entries",
    "polls_after_terminal",
    "polls_too_fast",
    "report",
    "resubmits",
    "retry_after_ignored",
    "run",
]

_TERMINAL = frozenset(status.value for status in TERMINAL)

# The rule names, as `GET /_mock/checks?rules=` and its answer spell them.
RULES = (
    "polled_no_faster_than",
    "stopped_polling_after_terminal",
    "respected_retry_after",
    "no_resubmits",
    "downloaded_each_output_once",
)


class Observed(NamedTuple):
    """One request the mock answered, as the rules need it (from a journal entry or an exchange)."""

    seq: int
    at: float  # the mock's clock
    method: str
    path: str
    query: str
    status: int
    operation: str | None  # submit | poll | content | models | None
    job_id: str | None
    retry_after: str | None = None
    answer: str | None = None  # the job status the answer showed (submit, poll)
    body: Any = None  # a submit's JSON body (None: not known)
    outputs: int = 1  # how many outputs a completed answer listed
    output: int = 0  # a download's `?index=`


class Finding(NamedTuple):
    text: str
    requests: tuple[Observed, ...]


Namer = Callable[[Observed], str]


def describe(t0: float) -> Namer:
    """Names requests for findings: `GET /api/v1/videos/ID at t=+12.0s → 200` (time since `t0`)."""

    def name(request: Observed) -> str:
        query = f"?{request.query}" if request.query else ""
        return f"{request.method} {request.path}{query} at t=+{request.at - t0:.1f}s → {request.status}"

    return name


def _polls(requests: Iterable[Observed]) -> dict[str, list[Observed]]:
    by_job: dict[str, list[Observed]] = defaultdict(list)
    for request in requests:
        if request.operation == "poll" and request.job_id is not None:
            by_job[request.job_id].append(request)
    return by_job


def polls_too_fast(requests: list[Observed], seconds: float, name: Namer) -> list[Finding]:
    found = []
    for polls in _polls(requests).values():
        for before, after in zip(polls, polls[1:], strict=False):
            gap = after.at - before.at
            if before.status < 400 and gap < seconds - 1e-9:
                found.append(Finding(f"{name(after)}: {gap:g} s after {name(before)}", (before, after)))
    return found


def polls_after_terminal(requests: list[Observed], name: Namer) -> list[Finding]:
    found = []
    for polls in _polls(requests).values():
        ended = next((poll for poll in polls if poll.answer in _TERMINAL), None)
        if ended is None:
            continue
        for poll in polls:
            if poll.seq > ended.seq:
                text = f"{name(poll)}: the job was already {ended.answer!r} ({name(ended)})"
                found.append(Finding(text, (ended, poll)))
    return found


def retry_after_ignored(requests: list[Observed], name: Namer) -> list[Finding]:
    found = []
    for index, request in enumerate(requests):
        hint = (request.retry_after or "").strip()
        if not hint.isdigit():
            continue
        same = (request.method, request.path)
        after = next((r for r in requests[index + 1 :] if (r.method, r.path) == same), None)
        if after is not None and after.at - request.at < int(hint) - 1e-9:
            text = f"{name(after)}: {after.at - request.at:g} s after {name(request)} which said Retry-After: {hint}"
            found.append(Finding(text, (request, after)))
    return found


def resubmits(requests: list[Observed], name: Namer, max_submits: int | None = None) -> list[Finding]:
    found = []
    earlier: list[Observed] = []
    submits = [request for request in requests if request.operation == "submit"]
    for request in submits:
        twin = next((e for e in earlier if e.body is not None and e.body == request.body), None)
        if twin is not None:
            found.append(Finding(f"{name(request)} resubmitted the body of {name(twin)}", (twin, request)))
        if request.status == 202 or request.status >= 500:
            earlier.append(request)
    accepted = tuple(request for request in submits if request.status == 202)
    if max_submits is not None and len(accepted) > max_submits:
        listed = ", ".join(name(request) for request in accepted)
        found.append(Finding(f"{len(accepted)} accepted submits, expected at most {max_submits}: {listed}", accepted))
    return found


def downloads_not_once(requests: list[Observed], name: Namer) -> list[Finding]:
    outputs = {r.job_id: r.outputs for r in requests if r.answer == "completed" and r.job_id is not None}
    downloads: dict[tuple[str, int], list[Observed]] = defaultdict(list)
    for request in requests:
        if request.operation == "content" and request.job_id is not None and request.status in (200, 206):
            downloads[request.job_id, request.output].append(request)
    found = []
    for job_id, count in outputs.items():
        for index in range(count):
            got = downloads.get((job_id, index), [])
            whole = [r for r in got if r.status == 200]
            times = len(whole) + (1 if len(got) > len(whole) and not whole else 0)
            if times != 1:
                listed = "; ".join(name(r) for r in got) or "no request"
                found.append(Finding(f"job {job_id} output {index} downloaded {times} time(s): {listed}", tuple(got)))
    return found


def from_entries(entries: Iterable[Entry], bodies: Callable[[str], Any]) -> list[Observed]:
    """The mock's journal as the rules read it; `bodies(job_id)` is the body a job was submitted with.

    The journal keeps no bodies, so a submit the mock refused or failed (no job) has none, and a
    resubmit after a 5xx is only seen by the plugin's in-process records."""
    found = []
    for entry in entries:
        body = bodies(entry.job_id) if entry.operation == "submit" and entry.job_id and entry.status == 202 else None
        index = 0
        if entry.operation == "content":
            raw = dict(part.partition("=")[::2] for part in entry.query.split("&")).get("index", "0")
            index = int(raw) if raw.isdigit() else 0
        found.append(
            Observed(
                seq=entry.seq,
                at=entry.at,
                method=entry.method,
                path=entry.path,
                query=entry.query,
                status=entry.status,
                operation=entry.operation,
                job_id=entry.job_id,
                retry_after=entry.headers.get("retry-after"),
                answer=entry.answer,
                body=body,
                output=index,
            )
        )
    return found


def run(
    requests: list[Observed],
    rules: Iterable[str],
    name: Namer,
    *,
    min_interval: float | None = None,
    max_submits: int | None = None,
    outputs: Callable[[str], int] = lambda _job_id: 1,
) -> dict[str, list[Finding]]:
    """Each named rule's findings (`polled_no_faster_than` needs `min_interval`)."""
    counted = [r._replace(outputs=outputs(r.job_id)) if r.answer == "completed" and r.job_id else r for r in requests]
    found: dict[str, list[Finding]] = {}
    for rule in rules:
        if rule == "polled_no_faster_than":
            found[rule] = polls_too_fast(counted, min_interval or 0.0, name)
        elif rule == "stopped_polling_after_terminal":
            found[rule] = polls_after_terminal(counted, name)
        elif rule == "respected_retry_after":
            found[rule] = retry_after_ignored(counted, name)
        elif rule == "no_resubmits":
            found[rule] = resubmits(counted, name, max_submits)
        elif rule == "downloaded_each_output_once":
            found[rule] = downloads_not_once(counted, name)
        else:
            raise ValueError(f"unknown rule {rule!r}")
    return found


class BadQuery(Exception):
    def __init__(self, param: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.param, self.message, self.extra = param, message, extra


def report(
    entries: list[Entry],
    job: Callable[[str], Job | None],
    *,
    rules: Sequence[str] | None,
    min_interval: float | None,
    max_submits: int | None,
    now: float,
    summary: Callable[[Entry], dict[str, Any]],
) -> dict[str, Any]:
    """`GET /_mock/checks`' answer: the rules run over `entries`; `job(id)` finds a job (or None)."""
    if rules is None:
        rules = [r for r in RULES if r != "polled_no_faster_than" or min_interval is not None]
    unknown = sorted(set(rules) - set(RULES))
    if unknown:
        raise BadQuery("rules", f"unknown rule {unknown[0]!r}", allowed=list(RULES))
    if "polled_no_faster_than" in rules and min_interval is None:
        raise BadQuery("min_interval", "polled_no_faster_than needs min_interval (seconds)")

    def body(job_id: str) -> Any:
        found = job(job_id)
        return found.request if found is not None else None

    def outputs(job_id: str) -> int:
        found = job(job_id)
        return found.outputs if found is not None else 1

    requests = from_entries(entries, body)
    t0 = requests[0].at if requests else now
    found = run(requests, rules, describe(t0), min_interval=min_interval, max_submits=max_submits, outputs=outputs)
    by_seq = {entry.seq: entry for entry in entries}
    violations = [
        {"rule": rule, "message": finding.text, "requests": [summary(by_seq[r.seq]) for r in finding.requests]}
        for rule, findings in found.items()
        for finding in findings
    ]
    return {"ok": not violations, "rules": list(rules), "requests": len(requests), "violations": violations}
