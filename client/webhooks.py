"""Receiving ModelGates webhooks: verify the signature on the raw body, then parse the event.

```
if not verify_signature(request_body, request.headers[WEBHOOK_SIGNATURE_HEADER], secret):
    return 400
event = parse_event(request_body)
if already_seen(request.headers[WEBHOOK_IDEMPOTENCY_HEADER]):  # deliveries may repeat
    return 200
```
"""

from __future__ import annotations

import hashlib
import hmac
import time

from pydantic import BaseModel, ConfigDict

from client.models import TERMINAL_STATUSES, JobStatus, Usage

__all__ = [
    "WEBHOOK_IDEMPOTENCY_HEADER",
    "WEBHOOK_SIGNATURE_HEADER",
    "WebhookEvent",
    "WebhookEventData",
    "parse_event",
    "verify_signature",
]

WEBHOOK_SIGNATURE_HEADER = "X-ModelGates-Signature"
WEBHOOK_IDEMPOTENCY_HEADER = "X-ModelGates-Idempotency-Key"


class _Event(BaseModel):
    # Lenient like the response models: fields a newer server adds never break parsing.
    model_config = ConfigDict(extra="allow", strict=True)


class WebhookEventData(_Event):
    """The job as it ended: `unsigned_urls` and `usage` when completed, `error` otherwise."""

    id: str
    status: str
    generation_id: str | None = None
    model: str | None = None
    unsigned_urls: list[str] | None = None
    usage: Usage | None = None
    error: str | None = None

    @property
    def is_completed(self) -> bool:
        return self.status == JobStatus.COMPLETED

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES


class WebhookEvent(_Event):
    """`{"type": "video.generation.<status>", "created_at": ISO-8601, "data": {...}}`."""

    type: str
    created_at: str
    data: WebhookEventData

    @property
    def idempotency_key(self) -> str:
        """`<job id>-<status>`, as the `X-ModelGates-Idempotency-Key` header carries it."""
        return f"{self.data.id}-{self.data.status}"


def parse_event(payload: bytes) -> WebhookEvent:
    """The event in a delivery's raw body (raises `pydantic.ValidationError`, a `ValueError`)."""
    return WebhookEvent.model_validate_json(payload)


def verify_signature(
    payload: bytes, header: str, secret: str, *, now: float | None = None, tolerance: float = 300
) -> bool:
    """Whether `header` (`t=<unix>,v1=<hex>`) signs the raw `payload` with `secret`.

    The MAC is HMAC-SHA256(secret, "<t>,<payload>"), compared in constant time; a `t` more than
    `tolerance` seconds before `now` (default: the system clock) is refused as a replay. Pass
    the mock's clock as `now` when the mock runs on a virtual clock.
    """
    stamp: int | None = None
    macs: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isascii() and value.isdigit():
            stamp = int(value)
        elif name == "v1":
            macs.append(value)
    if stamp is None or not macs:
        return False
    if (time.time() if now is None else now) - stamp > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{stamp},".encode() + payload, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected.encode(), mac.encode()) for mac in macs)
