"""Jobs and per-key state, in memory. Each API key is its own tenant."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace

from mockserver.domain._ids import IdStream
from mockserver.domain._schedule import Schedule
from mockserver.domain._writer import NullWriter, StoreWriter, WriteFailed
from mockserver.domain.jobs import TERMINAL, Job, Transition, advance, counted

__all__ = ["JobStore", "StoreWriter", "TenantState", "WriteFailed", "retirement_batch"]


def retirement_batch(max_jobs: int) -> int:
    """How many submits pass between retirement passes, and how many jobs a pass makes room for."""
    return max(1, max_jobs // 256)


# Operations whose counters are kept per job (and dropped with it); the others count per key.
_JOB_OPERATIONS = ("poll", "content")
# Keys whose request counters are kept (least recently counted forgotten first): a run that uses
# a new key per request must not grow; a forgotten key's next fault counts from 1 again.
MAX_COUNTED_KEYS = 10_000


@dataclass(frozen=True, slots=True)
class TenantState:
    """What the mock remembers about one key besides its jobs (only keys with a setting have one)."""

    scenario: str | None = None  # overrides the server's default for this key
    # Turned off through the control API: every vendor request of the key is refused.
    disabled: bool = False


_NO_SETTINGS = TenantState()


class JobStore:
    """All jobs by id, with tenant checks on every read. Thread-safe for the live server."""

    def __init__(self, seed: int = 0, max_jobs: int | None = None, writer: StoreWriter | None = None) -> None:
        self._seed = seed
        self.max_jobs = max_jobs  # None: keep every job
        self._writer: StoreWriter = writer or NullWriter()
        # Nothing is written anywhere: a unit needs no opening, and `when_written` is at once.
        self.in_memory = isinstance(self._writer, NullWriter)
        self._epoch = 0  # restarts of the state file: each draws ids from a stream of its own
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._jobs: dict[str, Job] = {}
            self._order: deque[str] = deque()  # ids, oldest first, for retention
            self._schedule = Schedule()  # the unfinished jobs, and when time alone moves each on
            self._tenants: dict[str, TenantState] = {}
            self._counts: dict[tuple[str, str], int] = {}  # (job id, operation): dropped with the job
            self._key_counts: dict[str, dict[str, int]] = {}  # key -> operation -> count, least recent first
            self._ids = IdStream(self._seed, self._epoch)
            self._since_retired = 0  # submits since retention last ran

    def new_ids(self, length: int = 20) -> tuple[str, str]:
        """A fresh job id and a second id (the generation's), each `length` letters and digits;
        the same seed gives the same ids (see `IdStream.new_ids`)."""
        with self._lock:
            return self._ids.new_ids(self._jobs, length)

    def tenant(self, key: str) -> TenantState:
        """The key's settings; a key without any shares one empty record (nothing kept per key)."""
        return self._tenants.get(key, _NO_SETTINGS)

    def count(self, scope: str, operation: str) -> int:
        """Count one more request of this kind in `scope` (a key or a job id); 1-based."""
        with self._lock:
            if operation in _JOB_OPERATIONS:
                value = self._counts.get((scope, operation), 0) + 1
                self._counts[scope, operation] = value
            else:
                counts = self._key_counts.pop(scope, None) or {}  # put back last: the newest at the end
                self._key_counts[scope] = counts
                value = counts[operation] = counts.get(operation, 0) + 1
                if len(self._key_counts) > MAX_COUNTED_KEYS:
                    oldest = next(iter(self._key_counts))
                    del self._key_counts[oldest]
                    self._writer.forget_counts(oldest)
            self._writer.count(scope, operation, value)
            return value

    def set_scenario(self, tenant: str, scenario: str | None) -> None:
        with self._lock:
            self._settle(tenant, replace(self.tenant(tenant), scenario=scenario))

    def atomic(self, *, undo: Callable[[], None] | None = None) -> AbstractContextManager[None]:
        """One operation's writes as one unit; `undo` takes it back if it cannot be written
        (see `StoreWriter.operation`)."""
        return self._writer.operation(undo=undo)

    def when_written(self, then: Callable[[], None]) -> None:
        """`then` once the last unit with an `undo` is written (see `StoreWriter.operation`)."""
        self._writer.when_written(then)

    def set_disabled(self, tenant: str, disabled: bool) -> None:
        with self._lock:
            self._settle(tenant, replace(self.tenant(tenant), disabled=disabled))

    def _settle(self, tenant: str, settings: TenantState) -> None:
        # A key back at every default keeps no record (a run with a key per request must not grow).
        if settings == _NO_SETTINGS:
            self._tenants.pop(tenant, None)
        else:
            self._tenants[tenant] = settings
        self._writer.tenant(tenant, settings.scenario, settings.disabled)  # the whole row: one write

    def add(self, job: Job) -> None:
        with self._lock:
            self._jobs[job.id] = job
            self._order.append(job.id)
            self._schedule.track(job)
            if not self.in_memory:  # nowhere to write: not even a no-op call
                self._writer.job(job)

    def discard(self, job_id: str) -> None:
        """Take back an `add` whose write failed (rare: the order queue is searched)."""
        with self._lock:
            job = self._jobs.pop(job_id, None)
            if job is not None:
                self._order.remove(job_id)
                self._schedule.forget(job)

    def get(self, tenant: str | None, job_id: str) -> Job | None:
        """The job, if it exists and belongs to `tenant` (None: any tenant, for the operator)."""
        job = self._jobs.get(job_id)
        if job is None or (tenant is not None and job.tenant != tenant):
            return None
        return job

    def update(self, job_id: str, change: Callable[[Job], Job]) -> Job:
        """Apply `change` to the stored job atomically and store the result."""
        with self._lock:
            old = self._jobs[job_id]
            job = change(old)
            if job is not old:
                self._jobs[job_id] = job
                if job.timeline is not old.timeline:
                    self._writer.job(job)  # forced: a timeline of its own
                elif job.phase != old.phase:
                    self._writer.moved(job)
                else:
                    self._writer.counted(job)  # a poll counted, nothing moved
            self._schedule.track(job)  # unchanged too: a job `come_due` took off the schedule goes back on
            return job

    def advance_due(self, job_ids: list[str], now: float) -> list[tuple[Job, list[Transition]]]:
        """Move the jobs `come_due` gave on to `now` under one lock: those whose status changed,
        with their transitions (a sweep's batch; one `update` per job cost twice as much)."""
        moved = []
        with self._lock:
            jobs, schedule, writer = self._jobs, self._schedule, self._writer
            for job_id in job_ids:
                old = jobs.get(job_id)
                if old is None:
                    continue
                job, transitions = advance(old, now)
                if job is not old:
                    jobs[job_id] = job
                    if not self.in_memory:
                        writer.moved(job)
                schedule.track(job)
                if transitions:
                    moved.append((job, transitions))
        return moved

    def downloaded(self, job_id: str) -> Job:
        """Count one download of a stored, completed job."""
        return self._finished_counted(job_id, 0, 1)

    def polled_finished(self, job_id: str) -> Job:
        """Count one poll of a stored, terminal job (a poll loop's last polls)."""
        return self._finished_counted(job_id, 1, 0)

    def _finished_counted(self, job_id: str, polls: int, downloads: int) -> Job:
        # `update` without the tracking: nothing can move a finished job, and the schedule let
        # it go when it finished.
        with self._lock:
            job = self._jobs[job_id] = counted(self._jobs[job_id], polls=polls, downloads=downloads)
            self._writer.counted(job)
            return job

    def unfinished(self, tenant: str | None = None) -> list[str]:
        """Ids of jobs not yet terminal when last stored (they may have finished since), in the
        order they were first stored."""
        with self._lock:
            return self._schedule.unfinished(tenant)

    def come_due(self, tenant: str | None, now: float) -> list[str]:
        """Ids of the unfinished jobs (of `tenant`, or of all) that `advance` would move on at
        `now`, in the order they were first stored. They leave the schedule; storing them again
        (`update`) puts each back at its next due time. Costs what comes due, not what is kept.
        """
        with self._lock:
            return self._schedule.come_due(tenant, now)

    def reschedule(self, job_ids: list[str]) -> None:
        """Put jobs `come_due` gave back on the schedule, unmoved (a sweep that stopped early)."""
        with self._lock:
            for job_id in job_ids:
                job = self._jobs.get(job_id)
                if job is not None:
                    self._schedule.track(job)

    def schedule_size(self) -> int:
        """Entries in the schedule, live and stale (at most about four times the unfinished jobs)."""
        with self._lock:
            return self._schedule.size()

    def retirement_due(self) -> bool:
        """Count one submit; True once every `retirement_batch` submits (when `retire_oldest`
        has work to do), so the other submits pay for retention with one increment."""
        max_jobs = self.max_jobs
        if max_jobs is None:
            return False
        with self._lock:
            self._since_retired += 1
            if self._since_retired < max_jobs >> 8:  # `retirement_batch`, spelled out on this path
                return False
            self._since_retired = 0
            return True

    def retire_oldest(self, change: Callable[[Job], Job]) -> None:
        """Keep at most `max_jobs`: apply `change` to the oldest and forget each that is then
        finished; one still running goes to the back of the queue (and may stay past the bound).

        Past the bound every submit must retire one job, so it is done in batches of 1/256 of
        `max_jobs` (`retirement_batch`: 39 of the default 10,000) every that many submits
        (`retirement_due`), under one lock, never
        writing a job about to be forgotten. Each pass looks at no more than four jobs per
        submit since the last, as a pass per submit did.
        """
        if self.max_jobs is None:
            return
        batch = retirement_batch(self.max_jobs)
        with self._lock:
            # Down to `batch - 1` below the bound: the next `batch - 1` submits then fit under it.
            excess = len(self._jobs) - (self.max_jobs - batch + 1)
            for _ in range(min(4 * batch, excess, len(self._order))):
                job_id = self._order.popleft()
                old = self._jobs.get(job_id)
                if old is None:
                    continue
                job = change(old)
                if job.timeline[job.phase].status in TERMINAL:  # `job.status.terminal`, without two properties
                    del self._jobs[job_id]
                    self._schedule.track(job)
                    for operation in _JOB_OPERATIONS:  # the job's fault counters go with it
                        self._counts.pop((job_id, operation), None)
                    if not self.in_memory:
                        self._writer.forget_job(job_id)
                    continue
                self._order.append(job_id)
                if job is not old:
                    self._jobs[job_id] = job
                    self._schedule.track(job)
                    self._writer.moved(job)  # caught up on its timeline (`advance`)

    def jobs(self, tenant: str | None = None) -> list[Job]:
        with self._lock:
            return [job for job in self._jobs.values() if tenant in (None, job.tenant)]

    def restore(
        self,
        jobs: list[Job],
        tenants: dict[str, TenantState],
        counts: dict[tuple[str, str], int],
        epoch: int = 0,
    ) -> None:
        """Load what a state file kept (the writer already has it, so nothing is written back).

        `epoch` (the file's restart count) picks the id stream: retention forgets old jobs, so
        replaying the seed's stream would hand their ids out again.
        """
        with self._lock:
            self._epoch = epoch
            self._ids = IdStream(self._seed, epoch)
            for job in sorted(jobs, key=lambda job: job.created_at):
                self._jobs[job.id] = job
                self._order.append(job.id)
                self._schedule.track(job)
            for tenant, settings in tenants.items():
                if settings != _NO_SETTINGS:
                    self._tenants[tenant] = settings
            for (scope, operation), value in counts.items():
                if operation in _JOB_OPERATIONS:
                    self._counts[scope, operation] = value
                else:
                    self._key_counts.setdefault(scope, {})[operation] = value

    def __len__(self) -> int:
        return len(self._jobs)
