"""Webhook signatures as documented: `X-ModelGates-Signature: t=<unix>,v1=<hex HMAC>`.

The MAC is HMAC-SHA256(secret, "<t>,<raw body>"); receivers reject a `t` older than 300 s.
The mock signs with its own clock, so a receiver on a virtual clock verifies against that clock.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["IDEMPOTENCY_HEADER", "SIGNATURE_HEADER", "TOLERANCE", "sign", "verify"]

IDEMPOTENCY_HEADER = "X-ModelGates-Idempotency-Key"
SIGNATURE_HEADER = "X-ModelGates-Signature"
TOLERANCE = 300.0


def _mac(secret: str, body: bytes, t: int) -> str:
    return hmac.new(secret.encode(), f"{t},".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, t: int) -> str:
    """The header value for `body` sent at Unix second `t`."""
    return f"t={t},v1={_mac(secret, body, t)}"


def _parse(header: str) -> tuple[int, list[str]] | None:
    t: int | None = None
    macs: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isascii() and value.isdigit():
            t = int(value)
        elif name == "v1":
            macs.append(value)
    return (t, macs) if t is not None and macs else None


def verify(secret: str, header: str, body: bytes, now: float, tolerance: float = TOLERANCE) -> bool:
    """Whether `header` signs `body` with `secret` and is at most `tolerance` s old at `now`."""
    parsed = _parse(header)
    if parsed is None:
        return False
    t, macs = parsed
    if now - t > tolerance:
        return False
    expected = _mac(secret, body, t)
    return any(hmac.compare_digest(expected.encode(), mac.encode()) for mac in macs)
