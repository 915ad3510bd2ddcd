"""Jobs as the API shows them: vendor key order, absent fields omitted (never null)."""

from __future__ import annotations

import json
from typing import Any

from .jobs import Job, JobStatus

__all__ = ["render_job", "polling_url", "content_url", "json_bytes"]

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
    body: dict[str, Any] = {"id": job.id}
    if job.generation_id is not None:
        body["generation_id"] = job.generation_id
    body["polling_url"] = polling_url(base, job.id)
    body["status"] = job.status.value
    if job.status is JobStatus.COMPLETED:
        body["unsigned_urls"] = [content_url(base, job.id, i) for i in range(job.outputs)]
        body["usage"] = {"cost": float(job.cost), "is_byok": False}
    error = job.error
    if error is not None:
        body["error"] = error
    return body
