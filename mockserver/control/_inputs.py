"""Bounds and checks of what the controller is asked: clock steps, page sizes, job statuses."""

from __future__ import annotations

from mockserver.domain.errors import ApiError
from mockserver.domain.jobs import JobStatus

__all__ = ["LATEST_TIME", "MAX_CLOCK_STEP", "MAX_LIMIT", "job_status"]

MAX_CLOCK_STEP = 365 * 86_400.0  # one advance moves the clock at most a year
LATEST_TIME = 253_402_300_799.0  # 9999-12-31T23:59:59Z: the last instant ISO-8601 timestamps can show
MAX_LIMIT = 1000  # longest page of jobs or journal entries


def job_status(value: JobStatus | str) -> JobStatus:
    try:
        return JobStatus(value)
    except ValueError:
        allowed = [status.value for status in JobStatus]
        raise ApiError.invalid("status", f"unknown status {value!r}", allowed=allowed) from None
