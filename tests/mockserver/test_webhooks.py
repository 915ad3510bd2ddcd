"""Webhook deliveries, in-process: the virtual clock drives the schedule, MockTransport receives."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from client import parse_event, verify_signature
from mockserver import OPERATOR, JobStatus, MockConfig, VirtualClock, create_app, new_api_key
from mockserver.webhooks.delivery import iso_ms, retry_delay
from mockserver.webhooks.dispatcher import WebhookConfigError
from tests.mockserver.helpers import BASE, SEED_000_BODY, assert_envelope
from tests.mockserver.hooks import HOOK, SECRET, Hooks, MakeHooks, made_hooks


@pytest.fixture
def make_hooks() -> Iterator[MakeHooks]:
    yield from made_hooks("fast")


def _assert_valid_event(hooks: Hooks, index: int = 0) -> dict[str, Any]:
    """Signed with the secret at the mock's clock, and valid against the documented schema."""
    request, received = hooks.receiver.requests[index], hooks.receiver.received_at[index]
    body = request.content
    assert verify_signature(body, request.headers["X-ModelGates-Signature"], SECRET, now=received)
    event: dict[str, Any] = json.loads(body)
    errors = [e.message for e in hooks.instance.document.validator("VideoGenerationEvent").iter_errors(event)]
    assert errors == []
    assert event["type"] == f"video.generation.{event['data']['status']}"
    assert request.headers["X-ModelGates-Idempotency-Key"] == f"{event['data']['id']}-{event['data']['status']}"
    assert request.headers["Content-Type"] == "application/json"
    return event


def test_a_completed_job_gets_exactly_one_signed_delivery_matching_its_poll(make_hooks: MakeHooks) -> None:
    hooks = make_hooks()
    submitted_at = hooks.clock.now()
    job_id = hooks.job_id()
    assert hooks.run(3600) == 1
    assert hooks.run(3600) == 0  # delivered: never again
    [request] = hooks.receiver.requests
    assert request.method == "POST" and str(request.url) == HOOK
    event = _assert_valid_event(hooks)
    poll = hooks.http.get(f"/videos/{job_id}").json()
    assert event == {
        "type": "video.generation.completed",
        "created_at": iso_ms(submitted_at + 3),  # fast: pending 1 s + in_progress 2 s
        "data": {
            "id": job_id,
            "status": "completed",
            "generation_id": poll["generation_id"],
            "model": "google/veo-3.1-lite",
            "unsigned_urls": [f"{BASE}/videos/{job_id}/content?index=0"],
            "usage": poll["usage"],
        },
    }
    assert event["created_at"] == "2026-11-19T00:00:03.000Z"
    assert parse_event(request.content).idempotency_key == f"{job_id}-completed"
    [delivery] = hooks.control.delivery_records()
    assert delivery.state == "delivered" and delivery.next_at is None


def test_the_signature_uses_the_mock_clock_at_send_time(make_hooks: MakeHooks) -> None:
    hooks = make_hooks()
    hooks.job_id()
    hooks.run(100)
    header = hooks.receiver.requests[0].headers["X-ModelGates-Signature"]
    assert header.startswith(f"t={int(hooks.clock.now())},v1=")
    body = hooks.receiver.requests[0].content
    assert not verify_signature(body, header, SECRET, now=hooks.clock.now() + 301)  # too old by then
    assert not verify_signature(body + b" ", header, SECRET, now=hooks.clock.now())
    assert not verify_signature(body, header, "another-secret", now=hooks.clock.now())


def test_without_a_secret_deliveries_are_unsigned(make_hooks: MakeHooks) -> None:
    hooks = make_hooks(webhook_secret=None)
    hooks.job_id()
    hooks.run(10)
    [request] = hooks.receiver.requests
    assert "X-ModelGates-Signature" not in request.headers
    assert request.headers["X-ModelGates-Idempotency-Key"].endswith("-completed")


def test_a_failed_job_reports_its_error_and_no_urls(make_hooks: MakeHooks) -> None:
    hooks = make_hooks("fail")
    job_id = hooks.job_id()
    hooks.run(60)
    event = _assert_valid_event(hooks)
    assert event["type"] == "video.generation.failed"
    assert event["data"]["error"] == "Content policy violation"
    assert set(event["data"]) == {"id", "status", "generation_id", "model", "error"}
    assert event["data"]["generation_id"] == hooks.http.get(f"/videos/{job_id}").json()["generation_id"]


@pytest.mark.parametrize("status", [JobStatus.CANCELLED, JobStatus.EXPIRED])
def test_a_job_ended_while_pending_reports_its_error(make_hooks: MakeHooks, status: JobStatus) -> None:
    hooks = make_hooks("happy")
    job_id = hooks.job_id()
    hooks.control.advance_job(OPERATOR, job_id, status)
    assert hooks.pump() == 1
    event = _assert_valid_event(hooks)
    assert event["type"] == f"video.generation.{status.value}"
    assert event["data"]["generation_id"] == hooks.http.get(f"/videos/{job_id}").json().get("generation_id")
    assert event["data"]["error"] == hooks.http.get(f"/videos/{job_id}").json()["error"]


def test_no_delivery_before_the_job_ends(make_hooks: MakeHooks) -> None:
    hooks = make_hooks("happy")
    job_id = hooks.job_id()
    hooks.control.advance_job(OPERATOR, job_id, JobStatus.IN_PROGRESS)
    assert hooks.run(1) == 0
    assert hooks.control.delivery_records() == [] and hooks.receiver.requests == []
    hooks.control.advance_job(OPERATOR, job_id, JobStatus.COMPLETED)
    assert hooks.pump() == 1


def test_a_receiver_that_fails_twice_sees_three_attempts_with_one_key(make_hooks: MakeHooks) -> None:
    hooks = make_hooks("fast", 500, 503)
    job_id = hooks.job_id()
    assert hooks.run(3) == 1
    [delivery] = hooks.control.delivery_records()
    first = delivery.attempts[0].at
    assert delivery.state == "pending" and delivery.next_at == first + 5
    assert hooks.run(4.9) == 0
    assert hooks.run(0.1) == 1  # 5 s after the first failure
    assert hooks.run(9.9) == 0
    assert hooks.run(0.1) == 1  # then 10 s
    assert hooks.run(3600) == 0
    entries = hooks.webhook_entries()
    assert [e.status for e in entries] == [500, 503, 200]
    assert [e.at - first for e in entries] == [0, 5, 15]
    assert {e.headers["x-modelgates-idempotency-key"] for e in entries} == {f"{job_id}-completed"}
    assert [e.headers["attempt"] for e in entries] == ["1", "2", "3"]
    assert all(e.method == "POST" and e.path == HOOK and e.job_id == job_id and e.tenant == hooks.key for e in entries)
    assert len({request.content for request in hooks.receiver.requests}) == 1  # the same bytes each time
    assert delivery.summary()["attempts"][0] == {"attempt": 1, "at": first, "status": 500, "error": "answered 500"}
    assert delivery.summary()["state"] == "delivered"


def test_retries_double_up_to_the_cap() -> None:
    assert [retry_delay(n) for n in range(1, 9)] == [5, 10, 20, 40, 80, 160, 300, 300]


def test_after_max_attempts_the_delivery_fails_for_good(make_hooks: MakeHooks) -> None:
    hooks = make_hooks("fast", *[500] * 10, webhook_max_attempts=3)
    hooks.job_id()
    for _ in range(10):
        hooks.run(300)
    [delivery] = hooks.control.delivery_records()
    assert delivery.state == "failed" and delivery.next_at is None
    assert len(hooks.receiver.requests) == 3 and len(hooks.webhook_entries()) == 3


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.ReadTimeout("slow"), "timed out after 5 s"),
        (httpx.ConnectError("refused"), "ConnectError: refused"),
        (302, "answered 302; redirects are not followed (Location: https://127.0.0.1:8443/elsewhere)"),
    ],
)
def test_timeouts_connection_errors_and_redirects_are_retried(make_hooks: MakeHooks, answer: Any, error: str) -> None:
    hooks = make_hooks("fast", answer)
    hooks.job_id()
    hooks.run(3)
    hooks.run(5)
    [delivery] = hooks.control.delivery_records()
    assert delivery.attempts[0].error == error
    assert [e.status for e in hooks.webhook_entries()] == [0 if isinstance(answer, Exception) else 302, 200]
    assert delivery.state == "delivered" and len(hooks.receiver.requests) == 2


def test_a_receiver_that_never_answers_is_cut_off_by_the_timeout(make_hooks: MakeHooks) -> None:
    hooks = make_hooks()
    hanging: list[httpx.Request] = []

    async def never(request: httpx.Request) -> httpx.Response:
        hanging.append(request)
        await asyncio.Event().wait()  # no one sets it: only the dispatcher's timeout ends this
        raise AssertionError("unreachable")

    hooks.instance.webhooks.transport = httpx.MockTransport(never)
    hooks.instance.webhooks.timeout = 0.05
    hooks.job_id()
    assert hooks.run(3) == 1
    [delivery] = hooks.control.delivery_records()
    assert len(hanging) == 1 and delivery.attempts[0].error == "timed out after 0.05 s"
    assert delivery.attempts[0].status is None and delivery.state == "pending"


def test_a_host_that_is_not_allowed_is_never_contacted(make_hooks: MakeHooks, caplog: pytest.LogCaptureFixture) -> None:
    hooks = make_hooks()
    hooks.job_id("https://hooks.example.com/modelgates")  # accepted: the real service would deliver
    with caplog.at_level(logging.WARNING, logger="mockserver.jobs"):
        assert hooks.run(3600) == 0
    [delivery] = hooks.control.delivery_records()
    assert delivery.state == "blocked" and delivery.attempts == []
    assert hooks.receiver.requests == [] and hooks.webhook_entries() == []
    assert [r.levelname for r in caplog.records] == ["WARNING"] and "blocked" in caplog.text


def test_an_allowed_host_is_delivered_to(make_hooks: MakeHooks) -> None:
    hooks = make_hooks(webhook_allow_hosts=frozenset({"Hooks.Example.com"}))
    hooks.job_id("https://hooks.example.com/modelgates")
    assert hooks.run(10) == 1
    assert hooks.receiver.requests[0].url.host == "hooks.example.com"


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9000/hook", "http://localhost/hook", "http://hooks.example.com/hook", "ftp://x/y"]
)
def test_a_non_https_callback_is_refused_at_submit(make_hooks: MakeHooks, url: str) -> None:
    hooks = make_hooks(credits=None)
    error = assert_envelope(hooks.submit(url), 400)
    assert error["metadata"]["param"] == "callback_url" and error["metadata"]["value"] == url
    assert "https://" in error["message"] and "--webhook-allow-http-loopback" in error["message"]
    assert hooks.control.stored_jobs() == []  # nothing created, nothing charged


def test_http_on_loopback_is_accepted_with_the_opt_in_only_there(make_hooks: MakeHooks) -> None:
    hooks = make_hooks(webhook_allow_http_loopback=True)
    hooks.job_id("http://localhost:9000/hook")
    hooks.job_id("http://[::1]:9000/hook")
    assert_envelope(hooks.submit("http://hooks.example.com/hook"), 400)
    assert hooks.run(10) == 2
    assert {r.url.host for r in hooks.receiver.requests} == {"localhost", "::1"}


def test_the_server_default_applies_unless_a_job_brings_its_own(make_hooks: MakeHooks) -> None:
    default = "https://localhost:8443/default"
    hooks = make_hooks(webhook_url=default)
    plain = hooks.job_id(None)
    own = hooks.job_id(HOOK)
    hooks.run(10)
    sent = {json.loads(r.content)["data"]["id"]: str(r.url) for r in hooks.receiver.requests}
    assert sent == {plain: default, own: HOOK}


def test_no_callback_and_no_default_means_no_delivery(make_hooks: MakeHooks) -> None:
    hooks = make_hooks()
    hooks.job_id(None)
    assert hooks.run(3600) == 0
    assert hooks.control.delivery_records() == []


def test_an_unusable_default_url_is_refused_at_startup() -> None:
    with pytest.raises(WebhookConfigError, match="webhook-allow-http-loopback"):
        create_app(MockConfig(webhook_url="http://127.0.0.1:9000/hook"))


def test_duplicate_scenario_sends_the_same_event_twice(make_hooks: MakeHooks) -> None:
    hooks = make_hooks("webhook-duplicate")
    hooks.job_id()
    assert hooks.run(10) == 2
    first, second = hooks.receiver.requests
    assert first.content == second.content
    assert first.headers["X-ModelGates-Idempotency-Key"] == second.headers["X-ModelGates-Idempotency-Key"]
    assert hooks.control.delivery_records()[0].state == "delivered"
    assert hooks.run(3600) == 0


def test_late_scenario_delays_the_first_attempt(make_hooks: MakeHooks) -> None:
    hooks = make_hooks("webhook-late")
    hooks.job_id()
    assert hooks.run(10) == 0  # completed at +10 s
    assert hooks.run(59.9) == 0
    assert hooks.run(0.1) == 1
    assert hooks.webhook_entries()[0].at - hooks.clock.now() == 0


def test_out_of_order_scenario_sends_a_later_event_first(make_hooks: MakeHooks) -> None:
    hooks = make_hooks("webhook-out-of-order")
    older = hooks.job_id()
    hooks.clock.advance(5)
    newer = hooks.job_id()
    assert hooks.run(7) == 0  # the older one is due (+10 s) but waits for the newer
    assert hooks.run(3) == 2  # the newer is due (+15 s): both go, newest first
    assert [event["data"]["id"] for event in hooks.receiver.events()] == [newer, older]


def test_out_of_order_alone_waits_at_most_hold_seconds(make_hooks: MakeHooks) -> None:
    hooks = make_hooks("webhook-out-of-order")
    hooks.job_id()
    assert hooks.run(10) == 0
    assert hooks.run(299.9) == 0
    assert hooks.run(0.1) == 1


def test_exactly_one_delivery_per_terminal_job(make_hooks: MakeHooks) -> None:
    hooks = make_hooks("fast")
    ids = [hooks.job_id() for _ in range(5)]
    for job_id in ids[:2]:
        hooks.http.get(f"/videos/{job_id}")  # polled or not, each ends once
    for _ in range(5):
        hooks.run(2)
    for job_id in ids:
        hooks.http.get(f"/videos/{job_id}")
    assert sorted(e["data"]["id"] for e in hooks.receiver.events()) == sorted(ids)
    assert [d.summary()["key"] for d in hooks.control.delivery_records(hooks.key)] == [hooks.key] * 5
    assert hooks.control.delivery_records("sk-someone-else") == []


def test_reset_forgets_deliveries(make_hooks: MakeHooks) -> None:
    hooks = make_hooks("fast", 500)
    hooks.job_id()
    hooks.run(3)
    hooks.control.reset(OPERATOR)
    assert hooks.control.delivery_records() == [] and hooks.run(3600) == 0


def test_the_pump_loop_keeps_errors_and_carries_on(make_hooks: MakeHooks) -> None:
    hooks = make_hooks()

    def broken(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("receiver bug")

    hooks.instance.webhooks.transport = httpx.MockTransport(broken)
    hooks.job_id()
    hooks.clock.advance(10)
    errors: list[BaseException] = []

    async def run() -> None:
        loop = asyncio.create_task(hooks.instance.webhooks.run_forever(errors, interval=0))
        for _ in range(1000):  # bounded: each turn yields to the loop once
            if len(errors) >= 2:
                break
            await asyncio.sleep(0)
        loop.cancel()
        with pytest.raises(asyncio.CancelledError):
            await loop

    asyncio.run(run())
    assert len(errors) >= 2 and all(isinstance(e, RuntimeError) for e in errors)  # it kept going
    assert not hooks.control.delivery_records()[0].in_flight


def test_transitions_are_only_heard_once_a_webhook_can_exist() -> None:
    app = create_app(MockConfig(), clock=VirtualClock())
    key = new_api_key(9)
    app.controller.submit(key, dict(SEED_000_BODY))
    assert app.instance.service.listener_count == 0  # nobody asked for a webhook: no work per transition
    app.controller.submit(key, {**SEED_000_BODY, "callback_url": HOOK})
    app.controller.submit(key, {**SEED_000_BODY, "callback_url": HOOK})
    assert app.instance.service.listener_count == 2  # transitions, and submits (early webhooks), once each
    configured = create_app(MockConfig(webhook_url=HOOK), clock=VirtualClock())
    assert configured.instance.service.listener_count == 2
