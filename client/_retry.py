"""Whether and when to retry a request: pure functions, no I/O, no clock, no global random.

The rule that matters most: a submit (`POST /videos`) is not idempotent. Every accepted submit is
a new billed job, so a submit is retried only when the server certainly did not act on it: a 429,
or a failure to connect. A 5xx, a read timeout or a dropped connection after the request was sent
may mean the job exists, and retrying would pay for it twice.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from enum import StrEnum

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "Failure",
    "Outcome",
    "RetryPolicy",
    "decide",
    "parse_retry_after",
]

DEFAULT_MAX_RETRIES = 2


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How many retries, and how long to wait between them."""

    max_retries: int = DEFAULT_MAX_RETRIES
    initial_delay: float = 0.5  # first backoff; doubles on each retry
    max_delay: float = 8.0  # cap of the exponential backoff
    max_retry_after: float = 60.0  # a longer server hint is not waited for: the error is raised
    jitter: float = 0.25  # backoff is shortened by up to this fraction, to spread clients out


class Failure(StrEnum):
    """A request that got no HTTP answer, classified by whether the server may have seen it."""

    NOT_SENT = "not_sent"  # connect error/timeout, pool timeout: the server never saw it
    MAYBE_SENT = "maybe_sent"  # read/write timeout, reset, protocol error: it may have acted


@dataclass(frozen=True)
class Outcome:
    """What one attempt produced: an HTTP status (with its Retry-After hint) or a failure."""

    status: int | None = None
    retry_after: float | None = None
    failure: Failure | None = None


def decide(
    policy: RetryPolicy, attempt: int, outcome: Outcome, *, idempotent: bool, rng: random.Random
) -> float | None:
    """Seconds to wait before retrying, or None to give up.

    `attempt` counts the retries already made (0 after the first try failed).
    """
    if attempt >= policy.max_retries or not _retryable(outcome, idempotent=idempotent):
        return None
    if outcome.status == 429 and outcome.retry_after is not None:
        hint = max(outcome.retry_after, 0.0)
        return hint if hint <= policy.max_retry_after else None
    return _backoff(policy, attempt, rng)


def _retryable(outcome: Outcome, *, idempotent: bool) -> bool:
    if outcome.failure is Failure.NOT_SENT or outcome.status == 429:
        return True
    if not idempotent:
        return False
    return outcome.failure is Failure.MAYBE_SENT or (outcome.status or 0) >= 500


def _backoff(policy: RetryPolicy, attempt: int, rng: random.Random) -> float:
    delay = min(policy.initial_delay * 2.0**attempt, policy.max_delay)
    return delay * (1.0 - policy.jitter * rng.random())


def parse_retry_after(value: str | None, date: str | None = None) -> float | None:
    """Seconds from a `Retry-After` header: either a number, or an HTTP date.

    An HTTP date is measured against the response's own `Date` header, so that no local clock is
    read and clock skew between client and server does not matter; without `Date` it is ignored.
    """
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return _seconds_between(date, value)
    return seconds if seconds >= 0 and seconds != float("inf") else None


def _seconds_between(start: str | None, end: str) -> float | None:
    if start is None:
        return None
    try:
        delta = parsedate_to_datetime(end) - parsedate_to_datetime(start)
    except (TypeError, ValueError):
        return None
    return max(delta.total_seconds(), 0.0)
