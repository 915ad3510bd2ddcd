"""The receiver-side helpers: the client verifies what the mock signs, and parses the event."""

from __future__ import annotations

import hashlib
import hmac

import pydantic
import pytest

import client
import client.webhooks
from client import WebhookEvent, parse_event, verify_signature
from mockserver.webhooks.signing import sign

BODY = (
    b'{"type":"video.generation.failed","created_at":"2026-11-19T00:00:03.000Z",'
    b'"data":{"id":"job1","status":"failed","generation_id":null,"model":"m","error":"Provider returned error"}}'
)


def _header(secret: str, body: bytes, t: int) -> str:
    mac = hmac.new(secret.encode(), f"{t},".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def test_the_client_accepts_what_the_mock_signs() -> None:
    for t in (0, 1_795_046_400, 2_000_000_000):
        assert verify_signature(BODY, sign("secret", BODY, t), "secret", now=t)
        assert sign("secret", BODY, t) == _header("secret", BODY, t)


@pytest.mark.parametrize(
    ("body", "secret", "now", "ok"),
    [
        (BODY, "secret", 1000.0, True),
        (BODY, "secret", 1299.0, True),
        (BODY, "secret", 1300.1, False),  # older than 300 s: a replay
        (BODY + b"\n", "secret", 1000.0, False),  # the raw bytes, not a re-serialization
        (BODY, "other", 1000.0, False),
    ],
)
def test_verify_signature(body: bytes, secret: str, now: float, ok: bool) -> None:
    assert verify_signature(body, _header("secret", BODY, 1000), secret, now=now) is ok


def test_a_custom_tolerance_and_the_system_clock() -> None:
    header = _header("secret", BODY, 1000)
    assert not verify_signature(BODY, header, "secret", now=1010, tolerance=5)
    assert not verify_signature(BODY, header, "secret")  # 1970 is long past


@pytest.mark.parametrize("header", ["", "t=1000", "v1=00", "t=x,v1=00", "t=1000,v1=ü", "garbage"])
def test_malformed_headers_are_refused_not_raised(header: str) -> None:
    assert verify_signature(BODY, header, "secret", now=1000) is False


def test_one_matching_v1_among_several_is_enough() -> None:
    good = _header("secret", BODY, 1000)
    assert verify_signature(BODY, f"{good},v1={'0' * 64}", "secret", now=1000)


def test_parse_event() -> None:
    event = parse_event(BODY)
    assert isinstance(event, WebhookEvent)
    assert event.type == "video.generation.failed" and event.idempotency_key == "job1-failed"
    assert event.data.is_terminal and not event.data.is_completed
    assert event.data.generation_id is None and event.data.error == "Provider returned error"
    with pytest.raises(pydantic.ValidationError):
        parse_event(b'{"type": "video.generation.failed"}')


def test_the_webhook_helpers_are_exported() -> None:
    assert set(client.webhooks.__all__) <= set(client.__all__)
