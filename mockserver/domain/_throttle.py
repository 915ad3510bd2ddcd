"""The submit throttle: the job cap, then the token bucket; both refuse with a 429 on the mock's clock."""

from __future__ import annotations

from collections.abc import Callable

from mockserver.domain.errors import ERROR_TYPES, ApiError, Throttled
from mockserver.domain.jobs import Job, finishes_at
from mockserver.domain.ratelimit import RateLimiter, Refusal

__all__ = ["throttle", "too_many"]


def throttle(
    tenant: str, now: float, *, cap: int | None, running: Callable[[str], list[Job]], limiter: RateLimiter
) -> None:
    """The job cap first (it spends nothing), then the token bucket. Both answer 429."""
    if cap is not None:
        jobs = running(tenant)
        if len(jobs) >= cap:
            ends = [at for at in map(finishes_at, jobs) if at is not None]
            wait = max(0.0, min(ends) - now) if ends else None
            raise too_many(Refusal(cap, "concurrent_jobs", wait, now))
    refusal = limiter.take(tenant, now)
    if refusal is not None:
        raise too_many(refusal)


def too_many(refusal: Refusal) -> ApiError:
    metadata = {"error_type": ERROR_TYPES[429], "limit": refusal.kind}
    return ApiError(429, metadata=metadata, throttled=Throttled(refusal.limit, refusal.reset_at, refusal.wait))
