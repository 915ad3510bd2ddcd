"""Rate limits per key on the clock: a token bucket for submits and a cap on unfinished jobs."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

import mockserver
from client import ModelGates
from mockserver import OPERATOR, new_api_key
from mockserver.domain.jobs import finishes_at
from mockserver.domain.ratelimit import RateLimiter, retry_after
from tests.mockserver.helpers import Api, assert_envelope

RATE_HEADERS = ("retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


def test_a_burst_beyond_the_bucket_gets_429_with_the_documented_headers(make_api: Callable[..., Api]) -> None:
    api = make_api(rate_limit=5)
    for _ in range(5):
        accepted = api.submit()
        assert accepted.status_code == 202
        assert not [h for h in RATE_HEADERS if h in accepted.headers]  # headers on the 429 only
    refused = api.submit()
    error = assert_envelope(refused, 429)
    assert error["message"] == "Rate limit exceeded"
    assert error["metadata"] == {"error_type": "rate_limit_exceeded", "limit": "requests_per_minute"}
    # 5 per minute: one token every 12 s.
    assert refused.headers["retry-after"] == "12"
    assert refused.headers["x-ratelimit-limit"] == "5"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert int(refused.headers["x-ratelimit-reset"]) == int((api.clock.now() + 12) * 1000)
    assert api.control.job_count == 5


@pytest.mark.slow
def test_waiting_retry_after_always_lifts_the_limit(make_api: Callable[..., Api]) -> None:
    rng = random.Random(5)
    for per_minute in (1, 7, 60, 600):
        api = make_api(rate_limit=per_minute)
        previous = 202
        for _ in range(3 * per_minute if per_minute < 100 else 300):
            response = api.submit()
            assert not (response.status_code == previous == 429), f"two 429s in a row at {per_minute}/min"
            previous = response.status_code
            if response.status_code == 429:
                api.clock.advance(int(response.headers["retry-after"]))
            else:
                assert response.status_code == 202
                api.clock.advance(rng.choice([0, 0, 0.05, 0.5]))


def test_the_reference_client_honours_retry_after_and_never_sees_a_second_429(make_api: Callable[..., Api]) -> None:
    api = make_api(rate_limit=2)
    delays: list[float] = []

    def sleep(seconds: float) -> None:
        delays.append(seconds)
        api.clock.advance(seconds)

    seen: list[int] = []

    class Recording(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = inner.handle_request(request)
            seen.append(response.status_code)
            return response

    inner = mockserver.SyncASGITransport(api.app)
    with ModelGates(
        api_key=api.key,
        base_url="http://testserver/api/v1",
        transport=Recording(),
        sleep=sleep,
        clock=api.clock.now,
        rng=random.Random(0),
    ) as client:
        jobs = [client.submit(model="google/veo-3.1-lite", prompt="p", duration=4) for _ in range(6)]
    assert len({job.id for job in jobs}) == 6
    assert seen.count(429) == 4
    assert all(not (a == b == 429) for a, b in zip(seen, seen[1:], strict=False))
    assert delays and all(delay >= 30 for delay in delays)  # 2 per minute: 30 s per token


def test_the_job_cap_refuses_with_a_hint_of_when_the_first_job_ends(make_api: Callable[..., Api]) -> None:
    api = make_api("fast", max_concurrent_jobs=2)
    first = api.job_id()
    api.clock.advance(1)
    api.job_id()
    refused = api.submit()
    error = assert_envelope(refused, 429)
    assert error["metadata"]["limit"] == "concurrent_jobs"
    assert refused.headers["x-ratelimit-limit"] == "2"
    ends = finishes_at(api.control.job(OPERATOR, first))
    assert ends is not None
    wait = int(refused.headers["retry-after"])
    assert wait >= ends - api.clock.now()
    api.clock.advance(wait)
    assert api.submit().status_code == 202


def test_the_job_cap_counts_only_unfinished_jobs_of_the_same_key(make_api: Callable[..., Api]) -> None:
    api = make_api("fast", max_concurrent_jobs=1)
    api.job_id()
    assert api.submit(key=new_api_key("other")).status_code == 202
    assert_envelope(api.submit(), 429)


def test_a_job_that_ends_by_polls_gives_no_retry_after(make_api: Callable[..., Api], tmp_path: Path) -> None:
    scenario = tmp_path / "by-polls.toml"
    scenario.write_text('[[steps]]\nstatus = "pending"\npolls = 3\n\n[[steps]]\nstatus = "completed"\n')
    api = make_api(str(scenario), max_concurrent_jobs=1)
    job_id = api.job_id()
    refused = api.submit()
    assert_envelope(refused, 429)
    assert "retry-after" not in refused.headers
    assert refused.headers["x-ratelimit-remaining"] == "0"
    for _ in range(4):
        api.poll(job_id)
    assert api.submit().status_code == 202


def test_a_throttled_submit_is_not_charged(make_api: Callable[..., Api]) -> None:
    api = make_api(rate_limit=1, credits=Decimal("1"))
    assert api.submit().status_code == 202
    assert_envelope(api.submit(), 429)
    assert api.control.balance(api.key) == Decimal("0.88")


def test_invalid_requests_are_answered_400_and_spend_no_token(make_api: Callable[..., Api]) -> None:
    api = make_api(rate_limit=1)
    assert_envelope(api.submit({"model": "nope", "prompt": "x"}), 400)
    assert api.submit().status_code == 202


@pytest.mark.parametrize(("wait", "speed", "expected"), [(12, 1, 12), (12, 60, 1), (0.2, 1, 1), (61, 60, 2)])
def test_retry_after_is_whole_real_seconds_rounded_up(wait: float, speed: float, expected: int) -> None:
    assert retry_after(wait, speed) == expected


def test_bucket_refills_continuously_up_to_its_size() -> None:
    limiter = RateLimiter(60)
    for _ in range(60):
        assert limiter.take("k", 0.0) is None
    refusal = limiter.take("k", 0.0)
    assert refusal is not None and refusal.wait == pytest.approx(1.0)
    assert limiter.take("k", 1.0) is None
    assert limiter.remaining("k") == 0
    assert limiter.take("k", 10_000.0) is None
    assert limiter.remaining("k") == 59  # never more than a full bucket


def test_off_by_default(api: Api) -> None:
    for _ in range(50):
        assert api.submit().status_code == 202
