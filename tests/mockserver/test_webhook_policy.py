"""The pure parts of webhooks: which URLs may be contacted, and the signature."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from mockserver.cli import _describe_webhooks
from mockserver.config import MockConfig
from mockserver.webhooks.policy import CallbackPolicy, is_loopback
from mockserver.webhooks.signing import sign, verify


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST.", True),
        ("127.0.0.1", True),
        ("127.200.3.4", True),
        ("::1", True),
        ("128.0.0.1", False),
        ("10.0.0.1", False),
        ("0.0.0.0", False),
        ("localhost.example.com", False),
        ("api.localhost", False),
        ("::ffff:8.8.8.8", False),
        ("", False),
    ],
)
def test_loopback_is_decided_from_the_literal_never_by_dns(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("url", "opt_in", "refused", "allowed"),
    [
        ("https://127.0.0.1:8443/h", False, False, True),
        ("https://localhost/h", False, False, True),
        ("https://[::1]/h", False, False, True),
        ("https://hooks.example.com/h", False, False, False),  # accepted, but blocked
        ("https://allowed.example.com/h", False, False, True),
        ("http://127.0.0.1:9000/h", False, True, False),
        ("http://127.0.0.1:9000/h", True, False, True),
        ("http://allowed.example.com/h", True, True, False),  # http never leaves loopback
        ("ftp://127.0.0.1/h", True, True, False),
        ("https:///no-host", False, True, False),
        ("https://127.0.0.1:99999/h", False, True, False),
        ("not a url", False, True, False),
    ],
)
def test_callback_policy(url: str, opt_in: bool, refused: bool, allowed: bool) -> None:
    policy = CallbackPolicy(allow_http_loopback=opt_in, allow_hosts=frozenset({"allowed.example.com"}))
    assert (policy.refusal(url) is not None) is refused
    assert policy.allows(url) is allowed


def test_the_http_refusal_tells_how_to_opt_in() -> None:
    message = CallbackPolicy().refusal("http://localhost:3000/webhooks")
    assert message is not None and "--webhook-allow-http-loopback" in message


def test_sign_is_the_documented_hmac() -> None:
    body = b'{"type":"video.generation.completed"}'
    expected = hmac.new(b"s3cret", b"1795046400," + body, hashlib.sha256).hexdigest()
    assert sign("s3cret", body, 1_795_046_400) == f"t=1795046400,v1={expected}"


@pytest.mark.parametrize(
    ("header", "now", "ok"),
    [
        (None, 1000.0, True),
        (None, 1300.0, True),  # exactly 300 s old
        (None, 1300.5, False),
        ("t=1000,v1=" + "0" * 64, 1000.0, False),
        ("t=1000", 1000.0, False),
        ("v1=abc", 1000.0, False),
        ("t=١٠٠٠,v1=abc", 1000.0, False),  # non-ASCII digits are not a timestamp
        ("t=1000,v1=é", 1000.0, False),
        ("", 1000.0, False),
    ],
)
def test_verify(header: str | None, now: float, ok: bool) -> None:
    body = b"{}"
    assert verify("s3cret", header if header is not None else sign("s3cret", body, 1000), body, now) is ok


def test_the_startup_line_describes_the_webhook_settings() -> None:
    config = MockConfig(
        webhook_url="https://localhost/h",
        webhook_secret="x",
        webhook_allow_http_loopback=True,
        webhook_allow_hosts=frozenset({"b.example", "a.example"}),
        webhook_max_attempts=3,
    )
    assert _describe_webhooks(config) == (
        "webhooks: default https://localhost/h, signed, http:// allowed on loopback, "
        "reaching loopback, a.example, b.example only, up to 3 attempts"
    )
