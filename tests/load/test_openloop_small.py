"""`bench.openloop`, CI-sized: every scheduled request is sent once, timed from its due time,
and a refused one is counted as not ok (a live loopback mock; the run is bounded by its schedule)."""

from __future__ import annotations

import pytest

from bench.compare import JSON_AUTH, SUBMIT_BODY
from bench.openloop import closed_loop, open_loop
from mockserver import MockConfig, MockServer, VirtualClock
from mockserver.control.controller import OPERATOR


@pytest.mark.slow
def test_an_open_loop_sends_its_whole_schedule_and_times_each_request_from_its_due_time() -> None:
    with MockServer(MockConfig(), clock=VirtualClock()) as server:
        url = f"{server.url}/api/v1/videos"
        samples = open_loop(url, JSON_AUTH, SUBMIT_BODY, rate=200, seconds=0.25, pool=4)
        refused = open_loop(url, {"Content-Type": "application/json"}, SUBMIT_BODY, rate=200, seconds=0.05, pool=2)
    assert len(samples) == 50 and all(sample.ok for sample in samples)
    dues = sorted(sample.due for sample in samples)
    assert dues == pytest.approx([index / 200 for index in range(50)], abs=1e-6)  # the schedule, not the answers
    assert all(0 <= sample.lag <= sample.latency for sample in samples)
    assert len(refused) == 10 and not any(sample.ok for sample in refused)  # 401s are answers, not successes


@pytest.mark.slow
def test_a_closed_loop_keeps_each_connection_busy_until_its_time_is_up() -> None:
    with MockServer(MockConfig(), clock=VirtualClock()) as server:
        url = f"{server.url}/api/v1/videos"
        samples = closed_loop(url, JSON_AUTH, SUBMIT_BODY, seconds=0.2, pool=3)
        jobs = server.controller.jobs(OPERATOR)
    assert samples and all(sample.ok for sample in samples)
    assert len(jobs) == len(samples)  # one answered submit per sample, none sent twice or lost
    sends = sorted(sample.due for sample in samples)
    assert sends[-1] < 0.2  # none sent after its time was up
    assert all(sample.latency > 0 for sample in samples)
