"""Jobs, keys and journal entries as the control API and the dashboard show them (JSON-ready dicts)."""

from __future__ import annotations

from typing import Any

from mockserver.domain.jobs import Job
from mockserver.domain.journal import Entry
from mockserver.domain.service import MockService
from mockserver.wire.render import render_job

__all__ = ["entry_summary", "job_summary", "key_summary"]

_HISTORY = 100  # ledger entries shown per key (newest)


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
        "session_id": job.request.get("session_id"),  # 2026-10: the body's, else the x-session-id header's
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


def key_summary(service: MockService, key: str) -> dict[str, Any]:
    """A key's scenario, credits, spending and recent ledger entries (its ended jobs refunded first)."""
    service.sweep(key)  # jobs that ended since are refunded before the balance is read
    ledger = service.ledger
    balance = ledger.balance(key)
    summary = {
        "key": key,
        "scenario": service.store.tenant(key).scenario,
        "credits": None if balance is None else str(balance),
        "spent": str(ledger.spent(key)),
        "jobs": len(service.store.jobs(key)),
        "history": [entry.summary() for entry in ledger.entries(key)[-_HISTORY:]],
    }
    if service.store.tenant(key).disabled:  # shown only when set: the summary is unchanged otherwise
        summary["disabled"] = True
    return summary
