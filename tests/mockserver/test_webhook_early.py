"""`[webhook] early` (failure mode 7): the terminal status's webhook arrives before polls show it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from client import verify_signature
from mockserver import OPERATOR, ScenarioError, load_scenario
from mockserver.webhooks.delivery import iso_ms
from tests.mockserver.helpers import assert_envelope
from tests.mockserver.hooks import SECRET, Hooks, MakeHooks, made_hooks

STEPS = '[[steps]]\nstatus = "pending"\nseconds = 2\n[[steps]]\nstatus = "in_progress"\nseconds = 18\n'


@pytest.fixture
def make_hooks() -> Iterator[MakeHooks]:
    yield from made_hooks("webhook-early")


@pytest.mark.parametrize(("version", "not_ready"), [("2026-10", 409), ("2026-06", 404)])
def test_an_app_that_downloads_on_the_webhook_meets_a_job_polls_still_show_in_progress(
    make_hooks: MakeHooks, version: str, not_ready: int
) -> None:
    hooks = make_hooks(api_version=version)
    submitted_at = hooks.clock.now()
    job_id = hooks.job_id()
    assert hooks.run(9.9) == 0
    assert hooks.run(0.1) == 1  # 10 s before the job completes (at +20 s)
    [request] = hooks.receiver.requests
    assert verify_signature(request.content, request.headers["X-ModelGates-Signature"], SECRET, now=hooks.clock.now())
    event = json.loads(request.content)
    schema = hooks.instance.document.validator("VideoGenerationEvent")
    assert [error.message for error in schema.iter_errors(event)] == []
    assert event["type"] == "video.generation.completed" and event["data"]["id"] == job_id
    assert event["created_at"] == iso_ms(submitted_at + 10)  # dated when it was sent, never in its future

    # The bug it lets an app find: trusting the webhook and downloading at once.
    download = hooks.http.get(event["data"]["unsigned_urls"][0])
    assert assert_envelope(download, not_ready)["metadata"] == {"status": "in_progress"}
    assert hooks.http.get(f"/videos/{job_id}").json()["status"] == "in_progress"

    hooks.clock.advance(9.9)
    assert hooks.http.get(f"/videos/{job_id}").json()["status"] == "in_progress"
    hooks.clock.advance(0.1)
    poll = hooks.http.get(f"/videos/{job_id}").json()
    assert poll["status"] == "completed" and poll["generation_id"] == event["data"]["generation_id"]
    assert poll["usage"] == event["data"]["usage"]
    assert hooks.http.get(event["data"]["unsigned_urls"][0]).status_code == 200
    assert hooks.run(3600) == 0  # the transition itself sends nothing more
    [delivery] = hooks.control.delivery_records()
    assert delivery.state == "delivered" and delivery.announces_at == submitted_at + 20


def test_the_early_delivery_is_on_record_from_the_submit(make_hooks: MakeHooks) -> None:
    hooks = make_hooks()
    job_id = hooks.job_id()
    [delivery] = hooks.control.delivery_records()
    assert (delivery.job_id, delivery.state, delivery.next_at) == (job_id, "pending", hooks.clock.now() + 10)
    assert hooks.job_id(callback_url=None) and len(hooks.control.delivery_records()) == 1  # no URL, no webhook


def test_an_early_webhook_bigger_than_the_whole_job_goes_out_at_the_submit(
    make_hooks: MakeHooks, tmp_path: Path
) -> None:
    path = tmp_path / "early.toml"
    path.write_text(STEPS + '[[steps]]\nstatus = "failed"\n[webhook]\nearly = 600\n')
    hooks = make_hooks(str(path))
    job_id = hooks.job_id()
    assert hooks.pump() == 1
    assert hooks.receiver.events()[0]["data"]["status"] == "failed"
    assert hooks.http.get(f"/videos/{job_id}").json()["status"] == "pending"


def test_a_job_forced_to_fail_before_its_early_webhook_went_out_announces_the_failure_instead(
    make_hooks: MakeHooks,
) -> None:
    hooks = make_hooks()
    job_id = hooks.job_id()
    hooks.clock.advance(3)
    hooks.control.advance_job(OPERATOR, job_id, "failed", error="Content policy violation")
    assert hooks.pump() == 1
    [event] = hooks.receiver.events()
    assert event["type"] == "video.generation.failed" and event["data"]["error"] == "Content policy violation"
    assert hooks.run(3600) == 0  # the completed one it had foreseen never goes out
    [delivery] = hooks.control.delivery_records()
    assert delivery.idempotency_key == f"{job_id}-failed" and delivery.announces_at is None


def test_a_job_forced_to_complete_sooner_announces_it_then(make_hooks: MakeHooks) -> None:
    hooks = make_hooks()
    job_id = hooks.job_id()
    hooks.clock.advance(3)
    hooks.control.advance_job(OPERATOR, job_id, "completed")
    assert hooks.pump() == 1
    assert hooks.receiver.events()[0]["created_at"] == iso_ms(hooks.clock.now())
    assert hooks.run(3600) == 0


def test_a_job_forced_to_fail_after_its_early_webhook_went_out_gets_a_second_event(make_hooks: MakeHooks) -> None:
    hooks = make_hooks()
    job_id = hooks.job_id()
    assert hooks.run(12) == 1  # "completed", while polls say in_progress
    hooks.control.advance_job(OPERATOR, job_id, "failed")
    assert hooks.pump() == 1
    types = [event["type"] for event in hooks.receiver.events()]
    assert types == ["video.generation.completed", "video.generation.failed"]
    assert hooks.run(3600) == 0


def test_an_early_delivery_survives_a_restart_and_the_transition_after_it_sends_nothing(tmp_path: Path) -> None:
    state = str(tmp_path / "state.db")
    first = Hooks("webhook-early", state_path=state)
    job_id = first.job_id()
    first.clock.advance(5)
    first.close()
    first.app.close()

    restarted = Hooks("webhook-early", state_path=state)  # its clock starts where the first one's did
    restarted.clock.advance(10)  # back 5 s after the first stopped: the delivery is due
    [delivery] = restarted.control.delivery_records()
    assert delivery.announces_at is not None and delivery.state == "pending"
    assert restarted.pump() == 1
    assert restarted.http.get(f"/videos/{job_id}").json()["status"] == "in_progress"
    assert restarted.run(10) == 0  # completed now; its webhook already went out
    assert restarted.http.get(f"/videos/{job_id}").json()["status"] == "completed"
    assert [d.state for d in restarted.control.delivery_records()] == ["delivered"]
    restarted.close()
    restarted.app.close()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (STEPS + '[[steps]]\nstatus = "completed"\n[webhook]\nearly = 5\ndelay = 5\n', "either early or late"),
        (STEPS + '[[steps]]\nstatus = "completed"\n[webhook]\nearly = -1\n', "webhook.early: must be at least 0"),
        (
            '[[steps]]\nstatus = "pending"\npolls = 2\n[[steps]]\nstatus = "completed"\n[webhook]\nearly = 5\n',
            "webhook.early: needs steps that end by seconds alone, and steps[0] counts polls",
        ),
    ],
)
def test_an_early_webhook_that_cannot_work_is_refused(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=re.escape(needle)):
        load_scenario(path)
