"""Jobs and journal entries as the control API and the dashboard show them (JSON-ready dicts)."""

from __future__ import annotations

from typing import Any

from mockserver.domain.jobs import Job
from mockserver.domain.journal import Entry
from mockserver.wire.render import render_job

__all__ = ["entry_summary", "job_summary"]


def job_summary(job: Job) -> dict[str, Any]:
    """Everything the mock knows about a job, JSON-ready; `api` is what a poll would answer."""
    return {
        "id": job.id,
        "key": job.tenant,
        "model": job.model,
        "scenario": job.scenario,
        "status": job.status.value,
        "created_at": job.created_at,
        "entered_at": job.entered_at,
        "polls": job.polls,
        "downloads": job.downloads,
        "cost": str(job.cost),
        "error": job.error,
        "generation_id": job.generation_id,
        "outputs": job.outputs,
        "aspect_ratio": job.aspect_ratio,
        "prompt": job.request.get("prompt"),
        "callback_url": job.request.get("callback_url"),
        "phase": job.phase,
        "timeline": [{"status": p.status.value, "seconds": p.seconds, "polls": p.polls} for p in job.timeline],
        "api": render_job(job, job.base_url),
    }


def entry_summary(entry: Entry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at,
        "method": entry.method,
        "path": entry.path,
        "query": entry.query,
        "status": entry.status,
        "key": entry.tenant,
        "job_id": entry.job_id,
        "operation": entry.operation,
        "headers": dict(entry.headers),
        "answer": entry.answer,
    }
