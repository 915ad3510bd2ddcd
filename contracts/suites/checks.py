"""Custom Schemathesis checks for the ModelGates contract (run beside all built-in checks).

- `modelgates_error_envelope`: every 4xx/5xx body is the API's envelope, `error.code == status`
  (also for statuses the document does not list, such as 405).
- `modelgates_mp4_content`: content answers `video/mp4` with an MP4 body (`ftyp` at bytes 4-8);
  the document declares `format: binary`, whose bytes Schemathesis never looks at.
- `modelgates_polling_url`: `polling_url` is `<base>/videos/{id}` of the URL that was called, and
  fetching it after a submit answers 200 with the same job.
- `ModelGatesStatusOrder`: across every answer about one job, its status never moves backwards.

`ModelGatesReachability` is not a registered check but a tracker the suites feed: every
operation must answer 2xx at least once per run (the "everything is 401" trap). As a registered
`after_run` check it would be instantiated per schema and also fire at the end of pytest
sessions, with a record of its own; the suites keep one tracker and assert it explicitly.

Checks are registered with `@schemathesis.check`, i.e. for the whole process, by `register()`:
the suites and the URL runner call it; the pytest plugin never imports this module.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import schemathesis

from .document import ALL_OPERATIONS, CONTENT, POLL, SUBMIT
from .rules import envelope_problem, mp4_problem, polling_url_problem, status_order_problem

__all__ = [
    "ModelGatesReachability",
    "ModelGatesStatusOrder",
    "job_answer",
    "modelgates_error_envelope",
    "modelgates_mp4_content",
    "modelgates_polling_url",
    "register",
]

_JOB_ANSWERS = {(SUBMIT, 202), (POLL, 200)}


def _header(response: Any, name: str) -> str | None:
    values = response.headers.get(name.lower())
    return values[0] if values else None


def job_answer(case: Any, response: Any) -> dict[str, Any] | None:
    """The JSON job of a 202 submit / 200 poll with string `id` and `status`, else None."""
    if (case.operation.label, response.status_code) not in _JOB_ANSWERS:
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in ("id", "status")):
        return None
    return body


def _request_url(response: Any) -> str:
    parts = urlsplit(str(response.request.url))
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def modelgates_error_envelope(ctx: Any, response: Any, case: Any) -> bool | None:
    problem = envelope_problem(response.status_code, _header(response, "content-type"), response.content)
    if problem is not None:
        raise AssertionError(problem)
    return None


def modelgates_mp4_content(ctx: Any, response: Any, case: Any) -> bool | None:
    if case.operation.label != CONTENT:
        return None
    problem = mp4_problem(
        response.status_code,
        _header(response, "content-type"),
        response.content,
        _header(response, "content-range"),
    )
    if problem is not None:
        raise AssertionError(problem)
    return None


def modelgates_polling_url(ctx: Any, response: Any, case: Any) -> bool | None:
    job = job_answer(case, response)
    polling_url = job.get("polling_url") if job is not None else None
    if job is None or not isinstance(polling_url, str):
        return None  # schema conformance reports a malformed job
    called = _request_url(response)
    if case.operation.label == POLL:
        asked = unquote(called.rsplit("/", 1)[-1])
        if job["id"] != asked:
            raise AssertionError(f"GET of job {asked!r} answered job {job['id']!r}")
        expected = called
    else:
        expected = f"{called}/{quote(job['id'], safe='')}"
    problem = polling_url_problem(polling_url, expected)
    if problem is not None:
        raise AssertionError(problem)
    if case.operation.label == SUBMIT:
        _fetch_same_job(case, response, job)
    return None


def _fetch_same_job(case: Any, response: Any, job: dict[str, Any]) -> None:
    """GET the job that was just submitted: 200 with the same id (a 5xx or 429 proves nothing)."""
    operation = case.operation.schema.find_operation_by_label(POLL)
    authorization = response.request.headers.get("Authorization")
    headers = {"Authorization": authorization} if authorization else None
    fetched = operation.Case(path_parameters={"jobId": job["id"]}, headers=headers).call()
    if fetched.status_code >= 500 or fetched.status_code == 429:
        return
    try:
        body = json.loads(fetched.content)
    except ValueError:
        body = None
    if fetched.status_code != 200 or not isinstance(body, dict) or body.get("id") != job["id"]:
        raise AssertionError(
            f"polling_url {job['polling_url']!r} does not resolve to job {job['id']!r}: "
            f"GET answered {fetched.status_code} {fetched.content[:120]!r}"
        )


class ModelGatesStatusOrder:
    """Remembers the furthest status seen per job (idempotent under Hypothesis replays)."""

    def __init__(self) -> None:
        self._furthest: dict[tuple[str, str], str] = {}

    def after_response(self, ctx: Any, response: Any, case: Any) -> bool | None:
        job = job_answer(case, response)
        if job is None:
            return None
        key = (urlsplit(str(response.request.url)).netloc, job["id"])
        before = self._furthest.get(key)
        if before is not None:
            problem = status_order_problem(job["id"], before, job["status"])
            if problem is not None:
                raise AssertionError(problem)
        self._furthest[key] = job["status"]
        return None


class ModelGatesReachability:
    """Which statuses each operation answered; after the run, each must have had a 2xx."""

    def __init__(self) -> None:
        self.statuses: dict[str, set[int]] = {label: set() for label in ALL_OPERATIONS}

    def after_response(self, ctx: Any, response: Any, case: Any) -> None:
        self.record(case.operation.label, response.status_code)

    def record(self, label: str, status: int) -> None:
        self.statuses.setdefault(label, set()).add(status)

    def unreached(self) -> list[str]:
        """`label (statuses seen)` for each operation without a 2xx answer."""
        return [
            f"{label} (answered {', '.join(map(str, sorted(seen))) or 'nothing'})"
            for label, seen in self.statuses.items()
            if not any(200 <= status < 300 for status in seen)
        ]


_REGISTERED = False


def register() -> None:
    """Register every check above with Schemathesis (once per process)."""
    global _REGISTERED
    if _REGISTERED:
        return
    for check in (
        modelgates_error_envelope,
        modelgates_mp4_content,
        modelgates_polling_url,
        ModelGatesStatusOrder,
    ):
        schemathesis.check(check)
    _REGISTERED = True
