"""The job lifecycle as a pure function of (job, now): no threads, no sleeps, no wall clock.

A job carries its *timeline*: the concrete phases its scenario resolved to at submit time
(seeded, so the same seed gives the same timeline). `advance(job, now)` is evaluated whenever a
job is read and returns the job as it stands at `now`; the caller stores the result.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple

__all__ = [
    "DEFAULT_ERRORS",
    "TERMINAL",
    "Job",
    "JobStatus",
    "Phase",
    "Transition",
    "advance",
    "counted",
    "finishes_at",
    "force",
    "next_due",
    "request_text",
]


class JobStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def rank(self) -> int:
        """Statuses only ever move to a higher rank."""
        return _RANKS.get(self, 2)

    @property
    def terminal(self) -> bool:
        return self not in _RANKS


_RANKS = {JobStatus.PENDING: 0, JobStatus.IN_PROGRESS: 1}  # every other status is terminal (rank 2)


TERMINAL = frozenset(status for status in JobStatus if status.terminal)

# The vendor's own wording for each unhappy ending.
DEFAULT_ERRORS: dict[JobStatus, str] = {
    JobStatus.FAILED: "Provider returned error",
    JobStatus.CANCELLED: "Job was cancelled",
    JobStatus.EXPIRED: "Job exceeded maximum time to live",
}


class Phase(NamedTuple):
    """One status of a timeline and how long the job stays in it (seconds, polls, or both)."""

    status: JobStatus
    seconds: float | None = None
    polls: int | None = None
    error: str | None = None
    outputs: int = 1
    expires: float | None = None  # completed: seconds its outputs stay downloadable (None: forever)


class Transition(NamedTuple):
    """A status change, kept on the job for logs, webhooks and the journal."""

    job_id: str
    old: JobStatus
    new: JobStatus
    at: float


# Jobs, phases and transitions are named tuples, not frozen dataclasses: as immutable, and built
# 4-6 times faster (a frozen dataclass sets each field through `object.__setattr__`). Every
# submit, poll and download builds at least one `Job`.
class Job(NamedTuple):
    id: str
    tenant: str
    model: str
    scenario: str
    created_at: float
    timeline: tuple[Phase, ...]
    # The submitted body as JSON text: one string per job instead of a dict of a dozen objects
    # (less memory, and no copy on submit). `request` reads it back.
    request_json: str
    aspect_ratio: str
    cost: Decimal
    generation_suffix: str
    phase: int = 0
    entered_at: float = 0.0
    polls_in_phase: int = 0
    polls: int = 0
    downloads: int = 0
    generation_id: str | None = None
    # Base of the job's URLs as its submitter saw them (webhook payloads need them too).
    base_url: str = ""

    @property
    def request(self) -> dict[str, Any]:
        """The submitted body (a fresh dict each time: changing it changes no job)."""
        value: dict[str, Any] = json.loads(self.request_json)
        return value

    @property
    def current(self) -> Phase:
        return self.timeline[self.phase]

    @property
    def status(self) -> JobStatus:
        return self.timeline[self.phase].status

    @property
    def error(self) -> str | None:
        if self.status in DEFAULT_ERRORS:
            return self.current.error or DEFAULT_ERRORS[self.status]
        return None

    @property
    def outputs(self) -> int:
        return self.current.outputs if self.status is JobStatus.COMPLETED else 0


# `tuple.__new__(Cls, values)`: a named tuple built without the Python-level `__new__` its class
# generates (a frame per call). Only where every field is given, on the hottest paths.
_new: Any = tuple.__new__

# Where `counted` finds the three counts, side by side in `Job`.
_COUNTS = Job._fields.index("polls_in_phase")
assert Job._fields[_COUNTS : _COUNTS + 3] == ("polls_in_phase", "polls", "downloads")


def request_text(request: dict[str, Any]) -> str:
    """A request as a job keeps it (`Job.request_json`) when it did not arrive as text."""
    return json.dumps(request, ensure_ascii=False, separators=(",", ":"))


def advance(job: Job, now: float, *, polled: bool = False) -> tuple[Job, list[Transition]]:
    """The job as it stands at `now`, and the transitions that got it there.

    `polled` counts this read as a poll (after evaluating it: "pending for 4 polls" means the
    fifth poll sees the next status). However many phases it catches up on, one `Job` is built.
    """
    transitions: list[Transition] = []
    timeline, phase, entered_at, polls_in_phase = job.timeline, job.phase, job.entered_at, job.polls_in_phase
    generation_id = job.generation_id
    current = timeline[phase]
    while current.status in _RANKS:  # not terminal
        # A phase ends when its seconds are over, or at the poll after its count (whichever first).
        seconds = current.seconds
        if seconds is not None and now >= entered_at + seconds:
            left_at = entered_at + seconds
        elif current.polls is not None and polls_in_phase >= current.polls:
            left_at = now
        else:
            break
        phase, entered_at, polls_in_phase = phase + 1, left_at, 0
        old, current = current, timeline[phase]
        transitions.append(_new(Transition, (job.id, old.status, current.status, left_at)))
        if generation_id is None and current.status is not JobStatus.PENDING:
            generation_id = _generation_id(job, left_at)
    if not transitions and not polled:
        return job, transitions
    bump = 1 if polled else 0
    moved = _rebuilt(job, phase, entered_at, polls_in_phase + bump, job.polls + bump, job.downloads, generation_id)
    return moved, transitions


def _generation_id(job: Job, at: float) -> str:
    # A job is "processed" (and has a generation id) from the moment it leaves pending.
    return f"gen-vid-{int(at)}-{job.generation_suffix}"


def counted(job: Job, *, polls: int = 0, downloads: int = 0) -> Job:
    """The job with `polls` more polls (in its phase too) and `downloads` more downloads."""
    # Every poll of a finished job comes here: the unchanged fields are copied as two slices.
    counts = (job.polls_in_phase + polls, job.polls + polls, job.downloads + downloads)
    moved: Job = _new(Job, job[:_COUNTS] + counts + job[_COUNTS + 3 :])
    return moved


def _rebuilt(
    job: Job,
    phase: int,
    entered_at: float,
    polls_in_phase: int,
    polls: int,
    downloads: int,
    generation_id: str | None,
) -> Job:
    # The job with its changing fields replaced; spelled out, it costs a third of `_replace`.
    moved: Job = _new(
        Job,
        (
            job.id,
            job.tenant,
            job.model,
            job.scenario,
            job.created_at,
            job.timeline,
            job.request_json,
            job.aspect_ratio,
            job.cost,
            job.generation_suffix,
            phase,
            entered_at,
            polls_in_phase,
            polls,
            downloads,
            generation_id,
            job.base_url,
        ),
    )
    return moved


def force(
    job: Job, now: float, status: JobStatus | None = None, error: str | None = None
) -> tuple[Job, list[Transition]]:
    """Move a job on right now: to its timeline's next phase, or to `status` (never backwards).

    An `error` without a `status` fails the job with that text.

    Forcing a status the timeline does not contain rewrites the rest of the timeline, so a
    happy job can be made to fail (or a failing one to complete) on demand.
    """
    if job.status.terminal:
        raise ValueError(f"job {job.id} is already {job.status}")
    if status is None and error is not None:
        status = JobStatus.FAILED  # an error text alone means "make it fail with this"
    target = status or job.timeline[job.phase + 1].status
    if target.rank <= job.status.rank:
        raise ValueError(f"job {job.id} cannot move from {job.status} to {target}")
    rest = [phase for phase in job.timeline[job.phase + 1 :] if phase.status.rank >= target.rank]
    if not rest or rest[0].status is not target or error is not None:
        rest = [Phase(target, error=error)] + [p for p in rest if p.status.rank > target.rank]
    if not rest[-1].status.terminal:
        rest.append(Phase(JobStatus.COMPLETED))
    timeline = (*job.timeline[: job.phase + 1], *rest)
    entered = timeline[job.phase + 1]
    generation_id = job.generation_id
    if generation_id is None and entered.status is not JobStatus.PENDING:
        generation_id = _generation_id(job, now)
    moved = _rebuilt(job._replace(timeline=timeline), job.phase + 1, now, 0, job.polls, job.downloads, generation_id)
    return moved, [Transition(job.id, job.status, entered.status, now)]


def finishes_at(job: Job) -> float | None:
    """When the job reaches its terminal status if nothing forces it, or None if polls decide that."""
    at = job.entered_at
    for phase in job.timeline[job.phase : -1]:
        if phase.seconds is None:
            return None
        at += phase.seconds
    return at


def next_due(job: Job) -> float | None:
    """When `advance` next moves the job on unpolled: when its phase's seconds run out, or at
    once (-inf) when its phase's poll count is reached; None when only a poll (or `force`) can.

    `advance(job, now)` changes a job exactly when `now >= next_due(job)`: the store's schedule
    of unfinished jobs is ordered by it, so moving the clock costs what comes due.
    """
    current = job.timeline[job.phase]
    if current.status not in _RANKS:
        return None
    if current.polls is not None and job.polls_in_phase >= current.polls:
        return -math.inf
    if current.seconds is not None:
        return job.entered_at + current.seconds
    return None
