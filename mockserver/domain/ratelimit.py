"""Rate limits per API key on the mock's clock: a token bucket for submits, a cap on running jobs.

Pure bookkeeping: `RateLimiter` decides and reports; the service turns a refusal into a 429
`ApiError` carrying its numbers, and the shell writes them as the documented headers
(`Retry-After`, `X-RateLimit-Limit/-Remaining/-Reset`, on the 429 only).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

__all__ = ["RateLimiter", "Refusal", "retry_after"]

# A bucket that refilled to 0.9999999999 has refilled: float noise must never cost a client a 429.
_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a submit was throttled, and when it may come back (mock-clock seconds)."""

    limit: int
    kind: str  # "requests_per_minute" or "concurrent_jobs"
    wait: float | None  # None: no hint (a running job waits for polls, not time)
    now: float

    @property
    def reset_at(self) -> float:
        return self.now + (self.wait or 0.0)


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`per_minute` submits per key (burst = the same number); None disables the bucket."""

    def __init__(self, per_minute: int | None = None) -> None:
        self.per_minute = per_minute
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}
        # A 429 a scenario injected holds its (key, operation) until its Retry-After has passed.
        self._holds: dict[tuple[str, str], float] = {}

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
            self._holds.clear()

    def hold(self, tenant: str, operation: str, until: float) -> None:
        with self._lock:
            self._holds[tenant, operation] = until

    def held(self, tenant: str, operation: str, now: float) -> float | None:
        """Seconds still to wait before `operation` may be retried (None: not held)."""
        until = self._holds.get((tenant, operation))
        if until is None or now + _EPSILON >= until:
            return None
        return until - now

    def take(self, tenant: str, now: float) -> Refusal | None:
        """Spend one token of `tenant`'s bucket, or say how long until one is there."""
        if self.per_minute is None:
            return None
        capacity, rate = float(self.per_minute), self.per_minute / 60.0
        with self._lock:
            bucket = self._buckets.setdefault(tenant, _Bucket(capacity, now))
            bucket.tokens = min(capacity, bucket.tokens + max(0.0, now - bucket.updated) * rate)
            bucket.updated = max(bucket.updated, now)
            if bucket.tokens + _EPSILON >= 1.0:
                bucket.tokens = max(0.0, bucket.tokens - 1.0)
                return None
            return Refusal(self.per_minute, "requests_per_minute", (1.0 - bucket.tokens) / rate, now)

    def remaining(self, tenant: str) -> int | None:
        if self.per_minute is None:
            return None
        with self._lock:
            bucket = self._buckets.get(tenant)
            return self.per_minute if bucket is None else math.floor(bucket.tokens + _EPSILON)


def retry_after(wait: float, speed: float) -> int:
    """Whole real seconds to wait for `wait` mock seconds on a clock running at `speed`; never 0.

    Rounded up, so a client that waits exactly this long finds the limit lifted.
    """
    return max(1, math.ceil(wait / speed - _EPSILON))
