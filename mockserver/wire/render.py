"""Jobs as the API shows them: vendor key order, absent fields omitted (never null)."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from json.encoder import encode_basestring
from typing import Any

from mockserver.domain.jobs import Job, JobStatus

__all__ = ["content_url", "job_bytes", "json_bytes", "polling_url", "render_job", "submitted_bytes"]

# What JSONResponse sends, without building a new JSONEncoder for every response (json.dumps
# does whenever it is given options).
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def json_bytes(body: object) -> bytes:
    return _ENCODER.encode(body).encode()


def polling_url(base: str, job_id: str) -> str:
    return f"{base}/videos/{job_id}"


def content_url(base: str, job_id: str, index: int) -> str:
    return f"{base}/videos/{job_id}/content?index={index}"


def render_job(job: Job, base: str) -> dict[str, Any]:
    """`id, generation_id, polling_url, status, unsigned_urls, usage` (and `error`), as captured."""
    return _render(*_shown(job), base)


def job_bytes(job: Job, base: str) -> bytes:
    """`render_job` as sent. Memoized on everything the body shows: a poll loop asks for the
    same bytes until the status changes, and building them was a third of a poll."""
    return _job_bytes(*_shown(job), base)


def submitted_bytes(job: Job, base: str) -> bytes:
    """A new job's body as sent: `render_job`, and nearly always just `id, polling_url, status`,
    which are joined here without the encoder (never asked for twice, so not memoized)."""
    status = job.timeline[job.phase].status
    if job.generation_id is not None or status not in _UNFINISHED:
        return json_bytes(render_job(job, base))
    # JSON escapes character by character: the URL's string is its quoted base and quoted id joined.
    quoted_id = encode_basestring(job.id)
    url = _quoted_videos(base) + quoted_id[1:]
    return f'{{"id":{quoted_id},"polling_url":{url},"status":"{_UNFINISHED[status]}'.encode()


# Statuses whose body has no error and no URLs, as they end the body.
_UNFINISHED = {JobStatus.PENDING: 'pending"}', JobStatus.IN_PROGRESS: 'in_progress"}'}


@lru_cache(maxsize=256)
def _quoted_videos(base: str) -> str:
    """`polling_url(base, "")` as the encoder writes it, without its closing quote."""
    return encode_basestring(polling_url(base, ""))[:-1]


def _shown(job: Job) -> tuple[str, str | None, JobStatus, int, Decimal, str | None]:
    """Everything of a job its body shows (besides the base URL)."""
    return job.id, job.generation_id, job.status, job.outputs, job.cost, job.error


@lru_cache(maxsize=4096)
def _job_bytes(
    job_id: str,
    generation_id: str | None,
    status: JobStatus,
    outputs: int,
    cost: Decimal,
    error: str | None,
    base: str,
) -> bytes:
    return json_bytes(_render(job_id, generation_id, status, outputs, cost, error, base))


def _render(
    job_id: str,
    generation_id: str | None,
    status: JobStatus,
    outputs: int,
    cost: Decimal,
    error: str | None,
    base: str,
) -> dict[str, Any]:
    body: dict[str, Any] = {"id": job_id}
    if generation_id is not None:
        body["generation_id"] = generation_id
    body["polling_url"] = polling_url(base, job_id)
    body["status"] = status.value
    if status is JobStatus.COMPLETED:
        body["unsigned_urls"] = [content_url(base, job_id, i) for i in range(outputs)]
        body["usage"] = {"cost": float(cost), "is_byok": False}
    if error is not None:
        body["error"] = error
    return body
