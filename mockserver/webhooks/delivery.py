"""One webhook delivery: the event (serialized once), its schedule, and what each attempt got.

Retries follow a documented-by-us schedule (DECISIONS.md): 5 s, 10 s, 20 s … doubling, capped
at 300 s, on the mock's clock, until the configured number of attempts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from mockserver.domain.jobs import Job, JobStatus, Transition
from mockserver.wire.render import content_url

__all__ = ["INTERRUPTED", "Attempt", "Delivery", "DeliveryState", "event_body", "iso_ms", "retry_delay"]

DeliveryState = Literal["pending", "delivered", "failed", "blocked"]

# An attempt's error when the server stopped while it was in flight (it is recorded before sending).
INTERRUPTED = "interrupted: the mock stopped during this attempt; the receiver may have seen it"
_FIRST_RETRY = 5.0
_MAX_RETRY = 300.0


def retry_delay(failures: int) -> float:
    """Seconds to wait after the `failures`-th failed attempt (1-based): 5, 10, 20 … ≤ 300."""
    return min(_FIRST_RETRY * 2.0 ** (failures - 1), _MAX_RETRY)


def iso_ms(at: float) -> str:
    """`2026-11-19T00:00:05.000Z`: ISO-8601 with milliseconds, in UTC."""
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event_body(job: Job, transition: Transition) -> bytes:
    """The documented event for a job that reached a terminal status, as the bytes to send."""
    status = transition.new
    data: dict[str, Any] = {
        "id": job.id,
        "status": status.value,
        "generation_id": job.generation_id,
        "model": job.model,
    }
    if status is JobStatus.COMPLETED:
        data["unsigned_urls"] = [content_url(job.base_url, job.id, i) for i in range(job.outputs)]
        data["usage"] = {"cost": float(job.cost), "is_byok": False}
    else:
        data["error"] = job.error
    event = {"type": f"video.generation.{status.value}", "created_at": iso_ms(transition.at), "data": data}
    return json.dumps(event, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class Attempt:
    number: int
    at: float
    status: int | None  # the receiver's answer; None after a timeout or a connection error
    error: str | None

    def summary(self) -> dict[str, Any]:
        return {"attempt": self.number, "at": self.at, "status": self.status, "error": self.error}


@dataclass(slots=True)
class Delivery:
    id: int
    job_id: str
    tenant: str
    url: str
    type: str
    idempotency_key: str
    body: bytes
    next_at: float | None
    state: DeliveryState = "pending"
    attempts: list[Attempt] = field(default_factory=list)
    # Scenario faults: extra copies after the first success; held for reordering (first try only).
    duplicates: int = 0
    out_of_order: bool = False
    hold: float = 0.0
    # Sent ahead (`[webhook] early`): when polls show the status it announces; None: not ahead.
    announces_at: float | None = None
    in_flight: bool = False

    @property
    def failures(self) -> int:
        return sum(1 for attempt in self.attempts if not _ok(attempt.status))

    @property
    def unsent(self) -> bool:
        """Nothing of it has gone out, nor is going out: it may still be rewritten."""
        return self.state == "pending" and not self.attempts and not self.in_flight

    @property
    def held(self) -> bool:
        """Still waiting for a later delivery of its key to overtake it."""
        return self.out_of_order and not self.attempts

    def due(self, now: float) -> bool:
        return self.state == "pending" and not self.in_flight and self.next_at is not None and now >= self.next_at

    def record(self, attempt: Attempt, max_attempts: int, duplicate: bool = False) -> None:
        """Note an attempt and schedule what follows (a duplicate never changes the state)."""
        self.attempts.append(attempt)
        if duplicate:
            return
        if _ok(attempt.status):
            self.state, self.next_at = "delivered", None
        elif self.failures >= max_attempts:
            self.state, self.next_at = "failed", None
        else:
            self.next_at = attempt.at + retry_delay(self.failures)

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "job_id": self.job_id,
            "key": self.tenant,
            "url": self.url,
            "type": self.type,
            "idempotency_key": self.idempotency_key,
            "state": self.state,
            "attempts": [attempt.summary() for attempt in self.attempts],
            "next_at": self.next_at,
        }


def _ok(status: int | None) -> bool:
    return status is not None and 200 <= status < 300
