"""The operator's controls as plain Python: inspect and steer jobs, the clock, keys and records.

The `/_mock/` routes, the dashboard and the pytest plugin's handles all call these methods, so
every way of driving the mock behaves the same. Every method takes a `Scope`: the operator sees
and steers every key; an API key only its own jobs, settings and journal entries. Another key's
job is a 404 (as on the vendor API: no existence leak); an operator-only control is a 403.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any, Literal, Protocol

from mockserver.domain.clock import VirtualClock
from mockserver.domain.errors import ApiError
from mockserver.domain.jobs import Job, JobStatus
from mockserver.domain.journal import Entry
from mockserver.http.instance import MockState
from mockserver.wire.auth import is_accepted_key
from mockserver.wire.render import render_job

__all__ = [
    "OPERATOR",
    "UNSET",
    "Controller",
    "DeliverySource",
    "Scope",
    "Summarized",
    "entry_summary",
    "job_summary",
    "MAX_CLOCK_STEP",
    "MAX_LIMIT",
]

MAX_CLOCK_STEP = 365 * 86_400.0  # one advance moves the clock at most a year
MAX_LIMIT = 1000  # longest page of jobs or journal entries
_HISTORY = 100  # ledger entries shown per key (newest)


@dataclass(frozen=True, slots=True)
class Scope:
    """Who is asking: the operator (`key` None: every key) or one API key."""

    key: str | None = None

    @property
    def is_operator(self) -> bool:
        return self.key is None


OPERATOR = Scope()


class Summarized(Protocol):
    def summary(self) -> dict[str, Any]: ...


class DeliverySource(Protocol):
    """Where webhook deliveries are recorded (the webhook dispatcher); `None` tenant = every key."""

    def deliveries(self, tenant: str | None) -> Sequence[Summarized]: ...


class _Unset(Enum):
    UNSET = "unset"


UNSET: Literal[_Unset.UNSET] = _Unset.UNSET  # "leave as is", distinct from None ("back to the default")


class Controller:
    def __init__(self, state: MockState, deliveries: DeliverySource | None = None) -> None:
        self.state = state
        self.service = state.service
        self._deliveries = deliveries

    # --- jobs -------------------------------------------------------------------------------

    def jobs(
        self,
        scope: Scope,
        *,
        status: JobStatus | str | None = None,
        key: str | None = None,
        limit: int | None = None,
        newest_first: bool = True,
    ) -> list[Job]:
        """The scope's jobs as they stand now (reading them is not a poll); `key` narrows further."""
        wanted = _status(status) if status is not None else None
        if scope.key is not None and key not in (None, scope.key):
            return []  # another key's jobs: nothing, and no hint whether it has any
        tenant = scope.key or key
        self.service.sweep(tenant)  # unfinished jobs move on to now; finished ones never change
        found = [job for job in self.service.store.jobs(tenant) if wanted in (None, job.status)]
        if newest_first:
            found.reverse()
        return found if limit is None else found[:limit]

    def job(self, scope: Scope, job_id: str) -> Job:
        return self.service.inspect(scope.key, job_id)

    def advance_job(
        self, scope: Scope, job_id: str, status: JobStatus | str | None = None, error: str | None = None
    ) -> Job:
        """Move a job on now: to its timeline's next status, or to `status`; `error` alone fails it."""
        target = _status(status) if status is not None else None
        return self.service.force(scope.key, job_id, target, error)

    def video(self, scope: Scope, job_id: str) -> bytes:
        """A completed job's MP4, for the dashboard's player (not counted as a download)."""
        job = self.service.completed(scope.key, job_id)
        return self.state.videos.for_ratio(job.aspect_ratio).data

    # --- clock and reset (operator only) -----------------------------------------------------

    def advance_clock(self, scope: Scope, seconds: float) -> float:
        """Move the mock's clock forward, then let every job that came due move on; the new time."""
        _operator(scope)
        if not (isinstance(seconds, int | float) and math.isfinite(seconds) and 0 <= seconds <= MAX_CLOCK_STEP):
            raise ApiError.invalid("seconds", f"seconds must be a number from 0 to {MAX_CLOCK_STEP:.0f}")
        advance = getattr(self.state.clock, "advance", None)
        if advance is None:
            raise ApiError(409, "This mock's clock cannot be moved")
        now = float(advance(seconds))
        self.state.sink.clock_moved(self.state.clock)  # a restart must not undo the jump
        self.service.sweep()
        return now

    def reset(self, scope: Scope) -> None:
        """Forget every job, key setting, journal entry and recorded error."""
        _operator(scope)
        self.state.reset()

    def health(self) -> dict[str, Any]:
        clock = "virtual" if isinstance(self.state.clock, VirtualClock) else "system"
        return {
            "status": "ok",
            "now": self.state.clock.now(),
            "jobs": len(self.service.store),
            "scenario": self.service.default_scenario,
            "clock": clock,
        }

    # --- keys ---------------------------------------------------------------------------------

    def key(self, scope: Scope, key: str) -> dict[str, Any]:
        """A key's scenario, credits, spending and recent ledger entries."""
        self._own_key(scope, key)
        self.service.sweep(key)  # jobs that ended since are refunded before the balance is read
        ledger = self.service.ledger
        balance = ledger.balance(key)
        summary = {
            "key": key,
            "scenario": self.service.store.tenant(key).scenario,
            "credits": None if balance is None else str(balance),
            "spent": str(ledger.spent(key)),
            "jobs": len(self.service.store.jobs(key)),
            "history": [entry.summary() for entry in ledger.entries(key)[-_HISTORY:]],
        }
        if self.service.store.tenant(key).disabled:  # shown only when set: the summary is unchanged otherwise
            summary["disabled"] = True
        return summary

    def update_key(
        self,
        scope: Scope,
        key: str,
        *,
        scenario: str | None | _Unset = UNSET,
        credits: Decimal | None | _Unset = UNSET,
        disabled: bool | _Unset = UNSET,
    ) -> dict[str, Any]:
        """Set a key's scenario (None: the server's), credits (None: unlimited) and/or whether it is
        disabled (its vendor requests then answer 403 in 2026-10, 401 in 2026-06; operator only)."""
        self._own_key(scope, key)
        if disabled is not UNSET:
            _operator(scope)  # a key cannot switch itself back on
            if not isinstance(disabled, bool):
                raise ApiError.invalid("disabled", "disabled must be true or false")
            self.service.store.set_disabled(key, disabled)
        if isinstance(credits, Decimal) and (not credits.is_finite() or credits < 0):
            raise ApiError.invalid("credits", "credits must be a non-negative amount or null")
        if scenario is not UNSET:
            # Only the operator may load a scenario file by path; a key picks among known names.
            if not scope.is_operator and scenario is not None and scenario not in self.service.scenarios:
                allowed = sorted(self.service.scenarios)
                raise ApiError.invalid("scenario", f"unknown scenario {scenario!r}", allowed=allowed)
            self.service.set_tenant_scenario(key, scenario)
        if credits is not UNSET:
            self.service.ledger.set_balance(key, credits, at=self.state.clock.now())
        return self.key(scope, key)

    # --- records ------------------------------------------------------------------------------

    def journal(self, scope: Scope, *, since: int = 0, limit: int = 200, tail: bool = False) -> dict[str, Any]:
        """Journal entries after `since` (a seq): the oldest `limit` of them, or the newest with `tail`."""
        entries = [e for e in self.state.journal.entries() if e.seq > since and scope.key in (None, e.tenant)]
        page = entries[-limit:] if tail else entries[:limit]
        more = not tail and len(entries) > limit
        return {
            "entries": [entry_summary(entry) for entry in page],
            "next": page[-1].seq if page else since,
            "more": more,
        }

    def deliveries(self, scope: Scope) -> list[dict[str, Any]]:
        if self._deliveries is None:
            return []
        return [delivery.summary() for delivery in self._deliveries.deliveries(scope.key)]

    # --- internals ----------------------------------------------------------------------------

    def _own_key(self, scope: Scope, key: str) -> None:
        if scope.key is not None and key != scope.key:
            raise ApiError(403, "An API key may only read or change its own settings")
        if not is_accepted_key(key, self.state.config.api_keys):
            raise ApiError(404, "No such API key (keys look like sk-mg-v1-<64 hex>)", metadata={"param": "key"})


def _operator(scope: Scope) -> None:
    if not scope.is_operator:
        raise ApiError(403, "Only the operator (admin token) may do this")


def _status(value: JobStatus | str) -> JobStatus:
    try:
        return JobStatus(value)
    except ValueError:
        allowed = [status.value for status in JobStatus]
        raise ApiError.invalid("status", f"unknown status {value!r}", allowed=allowed) from None


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
    }
