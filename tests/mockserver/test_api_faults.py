"""Scenario faults: the failures apps must survive, exactly where the scenario puts them."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from mockserver import MockConfig, SyncASGITransport, SystemClock, create_app, new_api_key
from tests.mockserver.helpers import BASE, SEED_000_BODY, Api, assert_envelope


def test_rate_limited_first_submit_is_429_with_headers_then_success(make_api: Callable[..., Api]) -> None:
    api = make_api("rate-limited")
    first = api.submit()
    error = assert_envelope(first, 429)
    assert error["message"] == "Rate limit exceeded"
    assert error["metadata"] == {"error_type": "rate_limit_exceeded"}
    assert first.headers["retry-after"] == "2"
    assert first.headers["x-ratelimit-remaining"] == "0"
    assert int(first.headers["x-ratelimit-limit"]) > 0
    assert int(first.headers["x-ratelimit-reset"]) == int((api.clock.now() + 2) * 1000)
    api.clock.advance(0.5)
    early = api.submit()  # before Retry-After: refused again, with what is left to wait
    assert_envelope(early, 429)
    assert early.headers["retry-after"] == "2"
    assert int(early.headers["x-ratelimit-reset"]) == int((api.clock.now() + 2) * 1000)
    api.clock.advance(1.5)
    assert api.submit().status_code == 202  # waited as long as asked: in
    assert api.control.job_count == 1


def test_success_answers_carry_no_rate_limit_headers(api: Api) -> None:
    response = api.submit()
    assert not [h for h in response.headers if h.startswith("x-ratelimit") or h == "retry-after"]


def test_insufficient_credits_is_402_on_every_submit_and_creates_nothing(make_api: Callable[..., Api]) -> None:
    api = make_api("insufficient-credits")
    for _ in range(3):
        error = assert_envelope(api.submit(), 402)
        assert error["message"] == "Insufficient credits. Add more using https://modelgates.ai/credits"
        assert error["metadata"] == {"error_type": "payment_required"}
    assert api.control.job_count == 0


def test_flaky_poll_fails_every_third_poll_without_losing_state(make_api: Callable[..., Api]) -> None:
    api = make_api("flaky-poll")
    job_id = api.job_id()
    statuses = [api.poll(job_id).status_code for _ in range(9)]
    assert statuses == [200, 200, 500] * 3
    assert api.control.stored(job_id).polls == 6  # type: ignore[union-attr]
    api.clock.advance(3600)
    assert api.poll(job_id).json()["status"] == "completed"


def test_flaky_content_fails_the_first_download_only(make_api: Callable[..., Api]) -> None:
    api = make_api("flaky-content")
    job_id = api.completed_job()
    first = api.http.get(f"/videos/{job_id}/content")
    assert assert_envelope(first, 502)["message"] == "Provider returned error"
    assert api.http.get(f"/videos/{job_id}/content").headers["content-type"] == "video/mp4"


def test_flaky_content_does_not_spend_its_fault_on_a_too_early_download(make_api: Callable[..., Api]) -> None:
    api = make_api("flaky-content")
    job_id = api.job_id()
    assert_envelope(api.http.get(f"/videos/{job_id}/content"), 404)
    api.clock.advance(3600)
    assert_envelope(api.http.get(f"/videos/{job_id}/content"), 502)


def test_the_journal_records_every_request_with_virtual_time(make_api: Callable[..., Api]) -> None:
    api = make_api("rate-limited")
    api.submit()
    api.clock.advance(2)
    job_id = api.job_id()
    api.poll(job_id)
    api.http.get("/nowhere")
    entries = api.control.journal_entries()
    assert [(e.operation, e.status) for e in entries] == [("submit", 429), ("submit", 202), ("poll", 200), (None, 404)]
    assert entries[0].headers == {"retry-after": "2"} and entries[1].at - entries[0].at == 2
    assert entries[2].job_id == job_id and entries[2].tenant == api.key


def test_the_journal_is_a_bounded_ring_buffer() -> None:
    from mockserver.domain.journal import Journal

    journal = Journal(size=3)
    for i in range(10):
        journal.record(at=float(i), method="GET", path="/", query="", status=200, tenant=None)
    assert [e.seq for e in journal.entries()] == [8, 9, 10]


def test_a_scenario_429s_reset_names_the_moment_its_retry_after_does_at_any_speed() -> None:
    # Retry-After is real seconds (as the scenario writes it); X-RateLimit-Reset is the mock's
    # clock, which runs `speed` times faster: both must name the same moment, as the limiter's do.
    clock = SystemClock(speed=60)
    app = create_app(MockConfig(scenario="rate-limited"), clock=clock)
    with httpx.Client(transport=SyncASGITransport(app), base_url=BASE) as http:
        before = clock.now()
        refused = http.post("/videos", json=SEED_000_BODY, headers={"Authorization": f"Bearer {new_api_key(3)}"})
        after = clock.now()
    assert refused.status_code == 429 and refused.headers["retry-after"] == "2"
    reset = int(refused.headers["x-ratelimit-reset"]) / 1000
    assert before + 2 * 60 <= reset <= after + 2 * 60 + 0.001
