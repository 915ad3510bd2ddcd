"""Jobs and per-key state, in memory. Each API key is its own tenant."""

from __future__ import annotations

import random
import string
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass

from mockserver.domain.jobs import Job
from mockserver.persistence.sink import NullSink, StateSink

__all__ = ["JobStore", "TenantState"]

_ALNUM = string.ascii_letters + string.digits
# Ids come from seeded random bytes mapped onto the 62 letters and digits in one C call: a byte
# below 248 (4 × 62) picks `_ALNUM[byte % 62]`, uniformly; the 8 bytes above are dropped.
_BYTE_TO_ALNUM = bytes(ord(_ALNUM[byte % len(_ALNUM)]) for byte in range(256))
_UNEVEN_BYTES = bytes(range(256 - 256 % len(_ALNUM), 256))
_ID_BLOCK = 1024


@dataclass(slots=True)
class TenantState:
    """What the mock remembers about one key besides its jobs."""

    scenario: str | None = None  # overrides the server's default for this key
    # Turned off through the control API: every vendor request of the key is refused (not persisted).
    disabled: bool = False


class JobStore:
    """All jobs by id, with tenant checks on every read. Thread-safe for the live server."""

    def __init__(self, seed: int = 0, max_jobs: int | None = None, sink: StateSink | None = None) -> None:
        self._seed = seed
        self.max_jobs = max_jobs  # None: keep every job
        self._sink = sink or NullSink()
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._jobs: dict[str, Job] = {}
            self._order: deque[str] = deque()  # ids, oldest first, for retention
            # A dict, not a set: sweeps then move jobs on in submit order, the same on every run.
            self._unfinished: dict[str, None] = {}
            self._tenants: dict[str, TenantState] = {}
            self._counts: Counter[tuple[str, str]] = Counter()
            self._rng = random.Random(f"ids:{self._seed}")
            self._id_chars, self._id_start = b"", 0  # drawn id characters, and the next one to use
            self._since_retired = 0  # submits since retention last ran

    def new_ids(self, length: int = 20) -> tuple[str, str]:
        """A fresh job id and a second id (the generation's), each `length` letters and digits;
        the same seed gives the same ids.

        Characters are drawn a kilobyte at a time and handed out in order (one `randbytes` call
        per ~25 jobs instead of one per job).
        """
        with self._lock:
            while True:
                chars, start = self._id_chars, self._id_start
                if start + 2 * length > len(chars):
                    fresh = self._rng.randbytes(_ID_BLOCK).translate(_BYTE_TO_ALNUM, _UNEVEN_BYTES)
                    chars, start = chars[start:] + fresh, 0
                    self._id_chars = chars
                self._id_start = start + 2 * length
                job_id = chars[start : start + length].decode("ascii")
                if job_id not in self._jobs:
                    return job_id, chars[start + length : start + 2 * length].decode("ascii")

    def tenant(self, key: str) -> TenantState:
        state = self._tenants.get(key)  # every submit asks: a known key needs no lock
        if state is not None:
            return state
        with self._lock:
            return self._tenants.setdefault(key, TenantState())

    def count(self, scope: str, operation: str) -> int:
        """Count one more request of this kind in `scope` (a key or a job id); 1-based."""
        with self._lock:
            self._counts[scope, operation] += 1
            value = self._counts[scope, operation]
            self._sink.count(scope, operation, value)
            return value

    def set_scenario(self, tenant: str, scenario: str | None) -> None:
        with self._lock:
            self.tenant(tenant).scenario = scenario
            self._sink.tenant_scenario(tenant, scenario)

    def set_disabled(self, tenant: str, disabled: bool) -> None:
        with self._lock:
            self.tenant(tenant).disabled = disabled

    def add(self, job: Job) -> None:
        with self._lock:
            self._jobs[job.id] = job
            self._order.append(job.id)
            self._track(job)
            self._sink.job(job)

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
                self._track(job)
                self._sink.job(job)
            return job

    def unfinished(self, tenant: str | None = None) -> list[str]:
        """Ids of jobs not yet terminal when last stored (they may have finished since)."""
        with self._lock:
            return [i for i in self._unfinished if tenant is None or self._jobs[i].tenant == tenant]

    def retire_oldest(self, change: Callable[[Job], Job]) -> None:
        """Keep at most `max_jobs`: apply `change` to the oldest and forget each that is then
        finished; one still running goes to the back of the queue (and may stay past the bound).

        Past the bound every submit must retire one job, so it is done in batches of 1/256 of
        `max_jobs` (40 of the default 10,000) every that many submits, under one lock, never
        writing a job about to be forgotten. Each pass looks at no more than four jobs per
        submit since the last, as a pass per submit did.
        """
        if self.max_jobs is None:
            return
        batch = max(1, self.max_jobs // 256)
        with self._lock:
            self._since_retired += 1
            if self._since_retired < batch:
                return
            self._since_retired = 0
            # Down to `batch - 1` below the bound: the next `batch - 1` submits then fit under it.
            excess = len(self._jobs) - (self.max_jobs - batch + 1)
            for _ in range(min(4 * batch, excess, len(self._order))):
                job_id = self._order.popleft()
                old = self._jobs.get(job_id)
                if old is None:
                    continue
                job = change(old)
                if job.status.terminal:
                    del self._jobs[job_id]
                    self._unfinished.pop(job_id, None)
                    self._sink.forget_job(job_id)
                    continue
                self._order.append(job_id)
                if job is not old:
                    self._jobs[job_id] = job
                    self._track(job)
                    self._sink.job(job)

    def _track(self, job: Job) -> None:
        if job.status.terminal:
            self._unfinished.pop(job.id, None)
        else:
            self._unfinished[job.id] = None

    def jobs(self, tenant: str | None = None) -> list[Job]:
        with self._lock:
            return [job for job in self._jobs.values() if tenant in (None, job.tenant)]

    def restore(self, jobs: list[Job], scenarios: dict[str, str | None], counts: dict[tuple[str, str], int]) -> None:
        """Load what a state file kept (the sink already has it, so nothing is written back)."""
        with self._lock:
            for job in sorted(jobs, key=lambda job: job.created_at):
                self._jobs[job.id] = job
                self._order.append(job.id)
                self._track(job)
            for tenant, scenario in scenarios.items():
                self.tenant(tenant).scenario = scenario
            self._counts.update(counts)

    def __len__(self) -> int:
        return len(self._jobs)
