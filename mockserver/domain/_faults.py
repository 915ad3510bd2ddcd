"""A scenario's faults on one request: which one it hits, the pace it sets, the answer it raises.

Times are the mock's clock; a scenario writes `retry_after` in real seconds, and `speed` (mock
seconds per real second) is what one of them lasts on it. The shell writes the headers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from mockserver.domain.clock import Clock
from mockserver.domain.errors import ERROR_TYPES, ApiError, Throttled
from mockserver.domain.pace import set_pace
from mockserver.domain.ratelimit import RateLimiter
from mockserver.domain.scenarios import Fault, Operation, Scenario
from mockserver.domain.store import JobStore

__all__ = ["NOMINAL_LIMIT", "fail", "fault_error", "fetched_images", "image_download_error", "inject_faults"]

# 429s from scenario faults report this nominal window (the real limiter has its own numbers).
NOMINAL_LIMIT = 10


def inject_faults(
    scenario: Scenario | None,
    operation: Operation,
    scope: str,
    *,
    clock: Clock,
    limiter: RateLimiter,
    store: JobStore,
    seed: int,
    speed: float,
    request: Mapping[str, Any] | None = None,
) -> Fault | None:
    """Raise the fault this request hits; a latency-only one just sets the pace. Returns the
    first `after_commit` fault hit, for `submit` to answer once the job exists. `request`: the
    submit's body (its images are what `image_download_failed` faults look at)."""
    faults = scenario.faults_for(operation) if scenario is not None else None
    if not faults:
        return None
    now = clock.now()
    wait = limiter.held(scope, operation, now)
    if wait is not None:  # a retry before the Retry-After the last 429 gave is refused again
        raise fault_error(429, None, math.ceil(wait / speed), now, speed)
    count = store.count(scope, operation)
    deferred = None
    images: list[tuple[str, str]] | None = None
    image_count = 0
    for fault in faults:
        if fault.image_download_failed:
            if images is None:  # counted apart: a text-only submit must not use up `times`
                images = fetched_images(request or {})
                image_count = store.count(scope, "image_submit") if images else 0
            if images and fault.hits(image_count, scope, seed):
                set_pace(fault.latency, False)
                raise image_download_error(*images[0], fault.message)
            continue
        if fault.hits(count, scope, seed):
            if fault.after_commit:
                deferred = deferred or fault
            elif fault.status is not None or fault.drop:
                if fault.status == 429:  # held on the mock's clock: Retry-After real seconds × speed
                    limiter.hold(scope, operation, now + (fault.retry_after or 1) * speed)
                fail(fault, now, speed)
            else:
                set_pace(fault.latency, False)
    return deferred


def fail(fault: Fault, now: float, speed: float) -> None:
    """Raise the fault's answer (a drop sets the pace and raises a 500 the shell never sends)."""
    set_pace(fault.latency, fault.drop)
    raise fault_error(fault.status or 500, fault.message, fault.retry_after, now, speed)


def fault_error(status: int, message: str | None, retry_after: int | None, now: float, speed: float) -> ApiError:
    throttled = None
    if status == 429:
        retry_after = retry_after if retry_after is not None else 1  # real seconds, as the scenario writes them
        # The mock's clock, like the limiter's Reset: `wait` real seconds are `wait * speed` of it.
        wait = retry_after * speed
        throttled = Throttled(NOMINAL_LIMIT, now + wait, wait)
    metadata = {"error_type": ERROR_TYPES[status]} if status in ERROR_TYPES else None
    return ApiError(status, message, metadata=metadata, throttled=throttled, retry_after=retry_after)


def fetched_images(request: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(param, url) of each image the provider would download, in the request's order: frame
    images, then image references; `data:` images are inline, nothing to download."""
    found = []
    for field in ("frame_images", "input_references"):
        for index, part in enumerate(request.get(field) or ()):
            url = (part.get("image_url") or {}).get("url") if isinstance(part, dict) else None
            if isinstance(url, str) and urlsplit(url).scheme.lower() == "https":
                found.append((f"{field}[{index}].image_url.url", url))
    return found


def image_download_error(param: str, url: str, message: str | None = None) -> ApiError:
    """The provider's answer to an image URL it could not fetch (redirect, cookie wall, bot check)."""
    metadata = {"error_type": "image_download_failed", "param": param, "url": url}
    return ApiError(400, message or f"Failed to download image from {url}", metadata=metadata)
