"""Poll pacing for `wait()`: a pure function from (job, elapsed time) to the next step.

Every wait is bounded. The last poll happens exactly at the deadline, so a job that completes
just before it is not reported as a timeout.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from client.errors import JOB_ERRORS, PollTimeout
from client.models import Job, JobStatus

__all__ = ["DEFAULT_POLL_INTERVAL", "DEFAULT_POLL_TIMEOUT", "Pacer", "check_pacing", "next_poll"]

DEFAULT_POLL_INTERVAL = 30.0  # what the vendor's guides use
DEFAULT_POLL_TIMEOUT = 1800.0  # the guides' bound: 60 polls x 30 s


def check_pacing(interval: float, timeout: float) -> None:
    """ValueError unless `interval` is a positive number and `timeout` a number (NaN never times out)."""
    if not interval > 0:  # also refuses NaN, which every comparison lets through
        raise ValueError(f"interval must be positive, got {interval!r}")
    if math.isnan(timeout):
        raise ValueError(f"timeout must be a number of seconds, got {timeout!r}")


def next_poll(job: Job, *, elapsed: float, interval: float, timeout: float) -> float | None:
    """Seconds to sleep before the next poll, or None when `job` completed.

    Raises the `JobError` subclass for failed / cancelled / expired (with the server's error text
    verbatim), and `PollTimeout` once `timeout` seconds have passed. A status this client does not
    know yet counts as still running.
    """
    check_pacing(interval, timeout)
    if job.status == JobStatus.COMPLETED:
        return None
    error = JOB_ERRORS.get(job.status)
    if error is not None:
        raise error(job)
    remaining = timeout - elapsed
    if remaining <= 0:
        raise PollTimeout(job, elapsed)
    return min(interval, remaining)


class Pacer:
    """`next_poll` bound to a monotonic clock, one per `wait()` call; the clock starts now."""

    def __init__(self, clock: Callable[[], float], *, interval: float, timeout: float) -> None:
        check_pacing(interval, timeout)
        self._clock = clock
        self._started = clock()
        self.interval = interval
        self.timeout = timeout

    def next_delay(self, job: Job) -> float | None:
        elapsed = self._clock() - self._started
        return next_poll(job, elapsed=elapsed, interval=self.interval, timeout=self.timeout)
