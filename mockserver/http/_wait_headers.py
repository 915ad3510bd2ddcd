"""The headers that tell a client how long to wait, from an error's domain numbers.

The domain says how long in the mock's seconds (`ApiError.throttled`) or as a scenario wrote it
(`ApiError.retry_after`, real seconds); the shell knows the speed that turns one into the other.
"""

from __future__ import annotations

import math

from mockserver.domain.errors import ApiError
from mockserver.domain.ratelimit import retry_after

__all__ = ["wait_headers"]


def wait_headers(exc: ApiError, speed: float) -> dict[str, str]:
    """`Retry-After` (real seconds: as a scenario wrote them, else the mock wait at `speed`) and,
    on a 429, `X-RateLimit-Limit/-Remaining/-Reset` (Reset: the mock's clock, in milliseconds)."""
    headers = {} if exc.retry_after is None else {"Retry-After": str(exc.retry_after)}
    throttled = exc.throttled
    if throttled is not None:
        headers["X-RateLimit-Limit"] = str(throttled.limit)
        headers["X-RateLimit-Remaining"] = "0"
        headers["X-RateLimit-Reset"] = str(math.ceil(throttled.reset_at * 1000))
        if exc.retry_after is None and throttled.wait is not None:
            headers["Retry-After"] = str(retry_after(throttled.wait, speed))
    return headers
