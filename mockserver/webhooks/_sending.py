"""Helpers of the dispatcher's sending loop: the order within a key, errors, receivers' answers."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from mockserver.webhooks.delivery import Delivery

if TYPE_CHECKING:
    import httpx

__all__ = ["complaint", "finished", "in_sending_order", "keep_error"]

log = logging.getLogger("mockserver.jobs")

_MAX_KEPT_ERRORS = 100  # a pump failing every 100 ms must not grow state.errors forever


def keep_error(errors: list[BaseException], exc: BaseException) -> None:
    log.error("webhook pump failed", exc_info=exc)
    if len(errors) < _MAX_KEPT_ERRORS:
        errors.append(exc)


def finished(
    sending: dict[str, asyncio.Task[int]], key: str, errors: list[BaseException], task: asyncio.Task[int]
) -> None:
    if sending.get(key) is task:
        del sending[key]
    failure = None if task.cancelled() else task.exception()
    if failure is not None:
        keep_error(errors, failure)


def in_sending_order(group: list[Delivery], now: float) -> list[Delivery]:
    """Held (out-of-order) deliveries go once a later one is due too, newest first, or after `hold`."""
    held = [d for d in group if d.held]
    ready = [d for d in group if not d.held]
    if len(held) >= 2:
        released = held[::-1]
    else:
        released = [d for d in held if d.next_at is not None and now >= d.next_at + d.hold]
    return released + ready


def complaint(response: httpx.Response) -> str | None:
    status = response.status_code
    if 200 <= status < 300:
        return None
    if 300 <= status < 400:
        return f"answered {status}; redirects are not followed (Location: {response.headers.get('location', '-')})"
    return f"answered {status}"
