"""Poll pacing as a table, and `Pacer` on an injected clock."""

from __future__ import annotations

import pytest

from client._polling import DEFAULT_POLL_INTERVAL, DEFAULT_POLL_TIMEOUT, Pacer, next_poll
from client.errors import JobCancelled, JobError, JobExpired, JobFailed, PollTimeout
from client.models import Job
from tests.client.fakes import Sleeps, job_body


def job(status: str, **extra: str) -> Job:
    return Job.model_validate(job_body(status, **extra))


@pytest.mark.parametrize(
    ("status", "elapsed", "expected"),
    [
        pytest.param("pending", 0.0, 30.0, id="pending-full-interval"),
        pytest.param("in_progress", 60.0, 30.0, id="in-progress"),
        pytest.param("queued", 0.0, 30.0, id="unknown-status-keeps-polling"),
        pytest.param("pending", 80.0, 20.0, id="last-poll-lands-on-the-deadline"),
        pytest.param("completed", 0.0, None, id="completed-done"),
        pytest.param("completed", 500.0, None, id="completed-after-deadline-still-done"),
    ],
)
def test_next_poll(status: str, elapsed: float, expected: float | None) -> None:
    assert next_poll(job(status), elapsed=elapsed, interval=30.0, timeout=100.0) == expected


@pytest.mark.parametrize(
    ("status", "error", "cls"),
    [
        ("failed", "Content policy violation", JobFailed),
        ("cancelled", "Job was cancelled", JobCancelled),
        ("expired", "Job exceeded maximum time to live", JobExpired),
    ],
)
def test_terminal_failures_raise_with_the_server_text(status: str, error: str, cls: type[JobError]) -> None:
    with pytest.raises(cls) as caught:
        next_poll(job(status, error=error), elapsed=0.0, interval=30.0, timeout=100.0)
    assert str(caught.value) == error
    assert caught.value.job.status == status


@pytest.mark.parametrize("elapsed", [100.0, 100.5])
def test_deadline_raises_poll_timeout(elapsed: float) -> None:
    with pytest.raises(PollTimeout) as caught:
        next_poll(job("in_progress"), elapsed=elapsed, interval=30.0, timeout=100.0)
    assert caught.value.waited == elapsed


@pytest.mark.parametrize("interval", [0.0, -1.0])
def test_interval_must_be_positive(interval: float) -> None:
    with pytest.raises(ValueError, match="interval"):
        next_poll(job("pending"), elapsed=0.0, interval=interval, timeout=100.0)


def test_defaults_follow_the_vendor_guides() -> None:
    assert (DEFAULT_POLL_INTERVAL, DEFAULT_POLL_TIMEOUT) == (30.0, 60 * 30.0)


def test_pacer_measures_elapsed_time_on_the_injected_clock() -> None:
    fake = Sleeps()
    fake.now = 1000.0
    pacer = Pacer(fake.clock, interval=30.0, timeout=75.0)
    delays = []
    while (delay := _next(pacer)) is not None:
        delays.append(delay)
        fake(delay)
    assert delays == [30.0, 30.0, 15.0]
    assert fake.now == 1075.0


def _next(pacer: Pacer) -> float | None:
    try:
        return pacer.next_delay(job("pending"))
    except PollTimeout:
        return None
