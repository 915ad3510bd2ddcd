"""Jobs move on lazily, when read or swept: each status change is stored with its refund (a job
that ends without a video gives its charge back) and announced to the listeners, as one unit.

`MockService` inherits it; the attributes below are the service's, set in its `__init__`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Generator

from mockserver.domain._scenario_choice import ScenarioChoice
from mockserver.domain.clock import Clock
from mockserver.domain.jobs import TERMINAL, Job, JobStatus, Transition, advance
from mockserver.domain.ledger import Ledger

__all__ = ["SWEEP_BATCH", "JobMotion"]

# Jobs `sweeping` moves on before the event loop lets requests in. In one go, a 0.2 s tick of a
# 7k submits/s flood moved ~1,500 jobs in one 15-60 ms callback. 16 take ~0.05 ms in-process
# (128: ~0.4 ms), so a request waits behind little sweeping; each pause costs one loop turn.
SWEEP_BATCH = 16


class JobMotion(ScenarioChoice):
    clock: Clock
    ledger: Ledger
    _listeners: list[Callable[[Job, Transition], None]]

    def sweep(self, tenant: str | None = None) -> None:
        """Bring every unfinished job (of `tenant`, or of all) up to now, firing its transitions.

        Jobs advance lazily when read; the webhook pump, the job cap, the operator's clock and
        listings need the ones nobody is polling to move on too. Only the jobs that came due are
        touched (the store's schedule): a sweep with nothing due costs microseconds, whatever
        the store holds.
        """
        for _ in self.sweeping(tenant, batch=sys.maxsize):  # one batch, one unit: never pauses
            pass

    def sweeping(self, tenant: str | None = None, batch: int = SWEEP_BATCH) -> Generator[None, None, None]:
        """`sweep` for an event loop: the same jobs in the same order, `batch` at a time, pausing
        (a `yield`) between batches so that the caller can let requests in. Each batch is a unit
        of its own and brought up to its own now (a job a request moved on meanwhile has nothing
        left to do); jobs not reached when the caller stops go back on the schedule."""
        due = self.store.come_due(tenant, self.clock.now())
        done = 0
        try:
            while done < len(due):
                now = self.clock.now()
                with self.store.atomic():  # the batch's jobs, refunds and webhooks: one unit
                    for job, transitions in self.store.advance_due(due[done : done + batch], now):
                        self._announce(job, transitions)
                done += batch
                if done < len(due):
                    yield
        finally:
            if done < len(due):
                self.store.reschedule(due[done:])

    def running(self, tenant: str) -> list[Job]:
        """The key's unfinished jobs as they stand now, oldest first."""
        self.sweep(tenant)
        jobs = (self.store.get(tenant, job_id) for job_id in self.store.unfinished(tenant))
        return [job for job in jobs if job is not None]

    def _retain(self) -> None:
        """Past `max_jobs`, forget the oldest finished jobs (a batch, when `store.retirement_due`
        says so; running ones stay). Each is brought up to now first, so its refund and webhook
        still happen.
        """
        found: list[tuple[Job, list[Transition]]] = []
        now = self.clock.now()

        def catch_up(job: Job) -> Job:
            moved, transitions = advance(job, now)
            if transitions:
                found.append((moved, transitions))
            return moved

        with self.store.atomic():
            self.store.retire_oldest(catch_up)
            for job, transitions in found:
                self._announce(job, transitions)

    def _current(self, job: Job) -> Job:
        """`job` as it stands now: a terminal one has nothing to catch up on (no lock, no write)."""
        return job if job.timeline[job.phase].status in TERMINAL else self._advance(job.id)

    def _advance(self, job_id: str, *, polled: bool = False) -> Job:
        found: list[Transition] = []

        def step(job: Job) -> Job:
            moved, transitions = advance(job, self.clock.now(), polled=polled)
            found.extend(transitions)
            return moved

        with self.store.atomic():  # the job, its refund and its webhook: one unit
            job = self.store.update(job_id, step)
            self._announce(job, found)
        return job

    def _announce(self, job: Job, transitions: list[Transition]) -> None:
        for transition in transitions:
            if transition.new in _REFUNDED and self._refunds(job):
                self.ledger.refund(job.tenant, job.id, job.cost, transition.at)
            for listener in self._listeners:
                listener(job, transition)


# Jobs that end without a video give their charge back (DECISIONS.md: refunds).
_REFUNDED = frozenset({JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.EXPIRED})
