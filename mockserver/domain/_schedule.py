"""The store's schedule: which unfinished jobs time alone moves on, and when.

Per tenant a heap of (next_due, order, id), one live entry per job that time alone moves on
(`_due` holds its time; other entries are stale), and the unfinished jobs in the order they were
first stored (sweeps move due jobs on in that order, the same on every run, as a scan of every
job did). Not thread-safe: the store calls it under its lock.
"""

from __future__ import annotations

import heapq
import itertools

from mockserver.domain.jobs import TERMINAL, Job, next_due

__all__ = ["Schedule"]


class Schedule:
    """The unfinished index and the due-time heaps of one store."""

    def __init__(self) -> None:
        # Per tenant: unfinished job id -> the order it was first stored in.
        self._unfinished: dict[str, dict[str, int]] = {}
        self._stored = itertools.count()
        self._schedule: dict[str, list[tuple[float, int, str]]] = {}
        self._due: dict[str, float] = {}

    def forget(self, job: Job) -> None:
        """Drop a job that was never really stored (an `add` taken back)."""
        self._unfinished.get(job.tenant, {}).pop(job.id, None)
        self._due.pop(job.id, None)

    def unfinished(self, tenant: str | None = None) -> list[str]:
        """Ids of jobs not yet terminal when last tracked, in the order they were first stored."""
        if tenant is not None:
            return list(self._unfinished.get(tenant, ()))
        every = [(order, i) for jobs in self._unfinished.values() for i, order in jobs.items()]
        return [i for _order, i in sorted(every)]

    def come_due(self, tenant: str | None, now: float) -> list[str]:
        """Ids of the unfinished jobs (of `tenant`, or of all) due at `now`, in the order they
        were first stored; they leave the schedule until tracked again."""
        heaps = [self._schedule.get(tenant, [])] if tenant is not None else list(self._schedule.values())
        found: list[tuple[int, str]] = []
        for heap in heaps:
            while heap and heap[0][0] <= now:
                due, order, job_id = heapq.heappop(heap)
                if self._due.get(job_id) == due:  # else stale: the job moved on or left
                    del self._due[job_id]
                    found.append((order, job_id))
        found.sort()
        return [job_id for _order, job_id in found]

    def size(self) -> int:
        """Entries in the schedule, live and stale (at most about four times the unfinished jobs)."""
        return sum(len(heap) for heap in self._schedule.values())

    def track(self, job: Job) -> None:
        """Keep the unfinished index and the schedule in step with the stored `job`."""
        job_id, tenant = job.id, job.tenant
        jobs = self._unfinished.get(tenant)
        # Terminal: the common case of a poll loop's last polls; nothing to schedule.
        if job.timeline[job.phase].status in TERMINAL:
            if jobs is not None:
                jobs.pop(job_id, None)
            self._due.pop(job_id, None)
            return
        due = next_due(job)
        if jobs is None:
            jobs = self._unfinished[tenant] = {}
        order = jobs.get(job_id)
        if order is None:
            order = jobs[job_id] = next(self._stored)
        if due is None:
            self._due.pop(job_id, None)
        elif self._due.get(job_id) != due:
            self._due[job_id] = due
            heap = self._schedule.setdefault(tenant, [])
            heapq.heappush(heap, (due, order, job_id))
            # Entries of jobs that moved on or left wait for their time to come, and with nobody
            # sweeping (a live server without webhooks) they would pile up. The oldest go first
            # (retired jobs are the oldest); what a live overdue entry hides is rebuilt away.
            while self._due.get(heap[0][2]) != heap[0][0]:
                heapq.heappop(heap)
            if len(heap) > 4 * len(jobs) + 64:
                heap[:] = [(self._due[i], o, i) for i, o in jobs.items() if i in self._due]
                heapq.heapify(heap)
