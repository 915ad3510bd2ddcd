"""The URL runner's lifecycle probe: one real job, submitted, polled to the end, downloaded.

Fuzzing rarely completes a job against a live server (its clock is real), so the runner submits
the document's own example before the Schemathesis run and polls it afterwards, within a bounded
wait. Every answer goes through the same rules as the custom checks, and counts toward
"every operation answered 2xx". The key is only ever sent to the base URL's origin.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import jsonschema_rs

from ..url_check.violations import RunResult, Violation
from .checks import ModelGatesReachability
from .document import CONTENT, POLL, SUBMIT, TERMINAL_STATUSES, load_document
from .rules import envelope_problem, mp4_problem, polling_url_problem, same_url, status_order_problem
from .settings import SuiteSettings

__all__ = ["Lifecycle", "curl_for"]


class Lifecycle:
    def __init__(
        self,
        settings: SuiteSettings,
        *,
        reach: ModelGatesReachability,
        wait: float,
        poll_interval: float,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        assert settings.base_url is not None
        self.base = settings.base_url.rstrip("/")
        self.headers = settings.auth_headers
        self.timeout = settings.request_timeout
        self.reach = reach
        self.wait = wait
        self.poll_interval = poll_interval
        self._sleep = sleep
        self._clock = clock
        document = load_document()
        self.body = document["paths"]["/videos"]["post"]["requestBody"]["content"]["application/json"]
        self.body = next(iter(self.body["examples"].values()))["value"]
        self._job_schema = jsonschema_rs.Draft202012Validator(
            {"$ref": "#/components/schemas/VideoGenerationResponse", "components": document["components"]},
            validate_formats=True,
        )
        self.job: dict[str, Any] | None = None
        self.history: list[str] = []

    # -- the two halves: before and after the Schemathesis run -------------------------------

    def submit(self, result: RunResult) -> None:
        response = self._send(result, SUBMIT, "POST", f"{self.base}/videos", json=self.body)
        if response is None:
            return
        if response.status_code != 202:
            self._fail(result, SUBMIT, response, "the document's own example was not accepted (expected 202)")
            return
        self.job = self._job(result, SUBMIT, response)
        if self.job is not None:
            self.history.append(self.job["status"])

    def finish(self, result: RunResult) -> None:
        job = self.job
        if job is None:
            return
        deadline = self._clock() + self.wait
        while job["status"] not in TERMINAL_STATUSES:
            url = f"{self.base}/videos/{job['id']}"
            response = self._send(result, POLL, "GET", url)
            if response is None:
                return
            polled = self._job(result, POLL, response)
            if polled is None:
                return
            problem = status_order_problem(job["id"], self.history[-1], polled["status"])
            if problem:
                result.add(
                    Violation(
                        POLL,
                        "ModelGatesStatusOrder",
                        "status moved backwards",
                        problem,
                        200,
                        curl=curl_for(response.request),
                    )
                )
            self.history.append(polled["status"])
            job = polled
            remaining = deadline - self._clock()
            if job["status"] in TERMINAL_STATUSES:
                break
            if remaining <= 0:
                message = f"job {job['id']} still {job['status']!r} after {self.wait:g} s (raise --wait)"
                result.add(Violation(POLL, "lifecycle", "job did not finish in time", message))
                return
            self._sleep(min(self.poll_interval, remaining))
        self._download(result, job)

    # -- steps --------------------------------------------------------------------------------

    def _download(self, result: RunResult, job: dict[str, Any]) -> None:
        if job["status"] != "completed":
            message = f"job {job['id']} ended {job['status']!r} ({job.get('error')!r}); nothing to download"
            result.add(Violation(CONTENT, "lifecycle", "the probe job did not complete", message))
            return
        expected = f"{self.base}/videos/{job['id']}/content"
        urls = job.get("unsigned_urls") or []
        if not urls or not same_url(str(urls[0]), expected) or "index=0" not in str(urls[0]):
            message = f"unsigned_urls is {urls!r}; expected [{expected + '?index=0'!r}, ...]"
            result.add(Violation(POLL, "lifecycle", "unsigned_urls do not point at the content", message, 200))
        response = self._send(result, CONTENT, "GET", expected, params={"index": "0"})
        if response is None:
            return
        problem = mp4_problem(
            response.status_code,
            response.headers.get("content-type"),
            response.content,
            response.headers.get("content-range"),
        )
        if response.status_code == 410 and _expired_as_announced(job, response):
            return  # 2026-10: the output's announced `expires_at` passed during the run (e.g. at --speed)
        if response.status_code != 200:
            self._fail(result, CONTENT, response, "a completed job's content did not answer 200")
        elif problem:
            result.add(
                Violation(
                    CONTENT,
                    "modelgates_mp4_content",
                    "not an MP4 download",
                    problem,
                    200,
                    curl=curl_for(response.request),
                )
            )

    def _send(self, result: RunResult, operation: str, method: str, url: str, **kwargs: Any) -> httpx.Response | None:
        try:
            with httpx.Client(timeout=self.timeout) as http:
                response = http.request(method, url, headers=self.headers, **kwargs)
        except httpx.HTTPError as exc:
            result.add(Violation(operation, "lifecycle", "no answer", f"{method} {url}: {exc!r}"))
            return None
        result.requests += 1
        self.reach.record(operation, response.status_code)
        problem = envelope_problem(response.status_code, response.headers.get("content-type"), response.content)
        if problem:
            result.add(
                Violation(
                    operation,
                    "modelgates_error_envelope",
                    "not the error envelope",
                    problem,
                    response.status_code,
                    curl=curl_for(response.request),
                )
            )
        return response

    def _job(self, result: RunResult, operation: str, response: httpx.Response) -> dict[str, Any] | None:
        expected_status = 202 if operation == SUBMIT else 200
        if response.status_code != expected_status:
            self._fail(result, operation, response, f"expected {expected_status}")
            return None
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
        errors = [
            f"{error.message} at /{'/'.join(map(str, error.instance_path))}"
            for error in self._job_schema.iter_errors(body)
        ]
        if errors:
            result.add(
                Violation(
                    operation,
                    "lifecycle",
                    "job breaks VideoGenerationResponse",
                    "; ".join(errors[:5]),
                    response.status_code,
                    curl=curl_for(response.request),
                )
            )
            return None
        assert isinstance(body, dict)
        problem = polling_url_problem(body["polling_url"], f"{self.base}/videos/{body['id']}")
        if problem is not None:
            result.add(
                Violation(
                    operation,
                    "modelgates_polling_url",
                    "polling_url does not resolve",
                    problem,
                    response.status_code,
                    curl=curl_for(response.request),
                )
            )
        return body

    def _fail(self, result: RunResult, operation: str, response: httpx.Response, title: str) -> None:
        request = response.request
        message = f"{request.method} {request.url} answered {response.status_code}: {response.text[:200]!r}"
        result.add(Violation(operation, "lifecycle", title, message, response.status_code, curl=curl_for(request)))


def curl_for(request: httpx.Request) -> str:
    """A curl command for `request`, with the key masked."""
    parts = [f"curl -X {request.method} -H 'Authorization: [Filtered]'"]
    if request.content:
        body = request.content.decode("utf-8", "replace").replace("'", "'\\''")
        parts.append(f"-H 'Content-Type: application/json' -d '{body}'")
    parts.append(f"'{request.url}'")
    return " ".join(parts)


def _expired_as_announced(job: dict[str, Any], response: httpx.Response) -> bool:
    """A 410 naming the very `expires_at` the completed job announced: the contract kept."""
    try:
        metadata = response.json()["error"]["metadata"]
    except (ValueError, KeyError, TypeError):
        return False
    return (
        isinstance(metadata, dict)
        and job.get("expires_at") is not None
        and metadata.get("expires_at") == job["expires_at"]
    )
