"""The fixture objects behind the plugin, used directly (sync, asyncio, live), and the server
suite's own trap: in-process, a server answering 401 to everything must fail it."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from client import AsyncModelGates, JobFailed, ModelGates
from contracts.pytest_plugin.fixtures import LiveServers, ModelGatesMock, ModelGatesServer
from contracts.suites.schema import load_schema
from contracts.suites.settings import SuiteSettings
from mockserver import OPERATOR, JobStatus, new_api_key
from tests.contracts.broken_app import broken_app

BODY = {"model": "google/veo-3.1-lite", "prompt": "a cat", "duration": 4}


@pytest.fixture
def mock() -> Iterator[ModelGatesMock]:
    handle = ModelGatesMock(scenario="happy", seed=5, api_key=new_api_key("fixtures"))
    yield handle
    handle.close()
    handle.raise_errors()


def test_async_app_with_virtual_time(mock: ModelGatesMock) -> None:
    async def app() -> int:
        async with AsyncModelGates(
            api_key=mock.api_key,
            base_url=mock.base_url,
            transport=mock.async_transport,
            sleep=mock.asleep,
            clock=mock.clock.now,
        ) as mg:
            job = await mg.submit(**BODY)
            job = await mg.wait(job, interval=15)
            return await mg.download(job, to=io.BytesIO())

    assert asyncio.run(app()) > 1000
    assert 40 <= mock.now <= 135  # a happy job, in virtual seconds
    assert [job.status for job in mock.jobs()] == [JobStatus.COMPLETED]
    assert [entry.operation for entry in mock.journal][0] == "submit"
    assert {request.status for request in mock.sent} == {200, 202}
    mock.assert_polled_no_faster_than(15)
    mock.assert_stopped_polling_after_terminal()
    mock.assert_downloaded_each_output_once()
    mock.assert_no_resubmits(max_submits=1)
    mock.assert_key_sent_only_to_api_host()


def test_force_and_scenario_handles(mock: ModelGatesMock) -> None:
    with ModelGates(
        api_key=mock.api_key, base_url=mock.base_url, transport=mock.transport, sleep=mock.advance, clock=mock.clock.now
    ) as mg:
        job = mg.submit(**BODY)
        mock.force(job.id, "in_progress")
        assert mg.get(job).status == "in_progress"
        mock.force(job.id, JobStatus.FAILED, error="Content policy violation")
        with pytest.raises(JobFailed, match="Content policy violation"):
            mg.wait(mg.get(job))
        mock.set_scenario("fast")
        assert mg.wait(mg.submit(**BODY), interval=1).status == "completed"


def test_other_hosts_are_refused_and_recorded(mock: ModelGatesMock) -> None:
    with pytest.raises(httpx.ConnectError, match="cdn.example.com is not reachable"):
        mock.client.get("https://cdn.example.com/v.mp4", headers=mock.headers)
    with pytest.raises(AssertionError, match=r"sent the API key to a host other than testserver:\n  - GET https://cdn"):
        mock.assert_key_sent_only_to_api_host()


def test_errors_inside_the_mock_are_kept_for_the_test(mock: ModelGatesMock) -> None:
    def boom(job: object, transition: object) -> None:
        raise RuntimeError("bug inside the mock")

    job = mock.client.post("/videos", json=BODY, headers=mock.headers).json()
    mock.control.on_transition(boom)
    mock.clock.advance(600)  # the bare clock: the job moves on when polled
    assert mock.client.get(job["polling_url"], headers=mock.headers).status_code == 500
    with pytest.raises(RuntimeError, match="bug inside the mock"):
        mock.raise_errors()
    mock.raise_errors()  # raised once, then forgotten
    mock.client.post("/videos", json=BODY, headers=mock.headers)
    mock.advance(600)  # the handle sweeps: the error is kept, not raised into the app's `sleep`
    with pytest.raises(RuntimeError, match="bug inside the mock"):
        mock.raise_errors()


@pytest.mark.parametrize("seconds", [-1.0, float("nan"), float("inf")])
def test_the_apps_own_bad_sleep_is_a_value_error_to_the_app_not_a_mock_error(
    mock: ModelGatesMock, seconds: float
) -> None:
    before = mock.clock.now()
    with pytest.raises(ValueError, match="sleep"):
        mock.advance(seconds)
    with pytest.raises(ValueError, match="sleep"):
        asyncio.run(mock.asleep(seconds))
    assert mock.clock.now() == before
    mock.raise_errors()  # nothing was filed as "an error inside the mock"


def test_balance_counts_refunds_of_jobs_that_failed_while_nobody_polled(mock: ModelGatesMock) -> None:
    mock.set_credits("5.00")
    mock.set_scenario("fail")
    assert mock.client.post("/videos", json=BODY, headers=mock.headers).status_code == 202
    charged = mock.balance
    assert charged is not None and charged < Decimal("5.00")
    mock.clock.advance(3600)  # the bare clock: the job has failed by now, though nobody asked
    assert mock.balance == Decimal("5.00")
    assert [job.status for job in mock.jobs()] == [JobStatus.FAILED]


def test_live_server_is_reset_per_test() -> None:
    servers = LiveServers()
    try:
        first = ModelGatesServer(servers.get(0), scenario="fast", api_key=new_api_key("a"))
        with httpx.Client(transport=first.transport, base_url=first.base_url, headers=first.headers) as http:
            job = http.post("/videos", json=BODY).json()
            first.advance(10)
            assert http.get(job["polling_url"]).json()["status"] == "completed"
        first.close()
        second = ModelGatesServer(servers.get(0), scenario="happy", api_key=new_api_key("b"))
        assert second.exchanges() == [] and second.journal == [] and second.jobs() == []
        assert second.base_url == first.base_url  # the same server, reset
        second.close()
    finally:
        servers.stop()


@pytest.mark.slow
def test_the_suite_fails_a_server_that_answers_401_to_everything() -> None:
    schema = load_schema(SuiteSettings(api_key="sk-mg-v1-" + "5e" * 32), app=broken_app("all-401"))
    cases = schema["/videos"]["POST"].as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE)

    @settings(max_examples=5, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=cases)
    def suite(case: Any) -> None:
        case.call_and_validate()

    with pytest.raises(BaseExceptionGroup) as failed:
        suite()
    assert "ST202" in str(failed.value) and "Schema-valid request rejected" in str(failed.value)


def test_lifecycle_probe_in_virtual_time() -> None:
    from contracts.suites.checks import ModelGatesReachability
    from contracts.suites.lifecycle import Lifecycle
    from contracts.url_check.violations import RunResult
    from mockserver import MockConfig, MockServer, VirtualClock

    clock = VirtualClock()

    def sleep(seconds: float) -> None:
        clock.advance(seconds)

    with MockServer(MockConfig(seed=2), clock=clock) as server:
        settings = SuiteSettings(api_key=new_api_key("probe"), base_url=server.base_url)
        for wait, problems in ((300.0, []), (20.0, ["job did not finish in time"])):
            result, reach = RunResult(server.base_url), ModelGatesReachability()
            probe = Lifecycle(settings, reach=reach, wait=wait, poll_interval=10, sleep=sleep, clock=clock.now)
            probe.submit(result)
            probe.finish(result)
            assert [violation.title for violation in result.violations] == problems
            assert probe.history[0] == "pending"
            assert (probe.history[-1] == "completed") is (not problems)
            assert (200 in reach.statuses["GET /videos/{jobId}/content"]) is (not problems)  # downloaded


@pytest.mark.parametrize(
    ("defect", "named"),
    [
        ("status-backwards", "ModelGatesStatusOrder"),
        ("not-mp4", "modelgates_mp4_content"),
        ("polling-url", "modelgates_polling_url"),
    ],
)
@pytest.mark.slow
def test_the_in_process_workflow_runs_the_custom_checks(defect: str, named: str) -> None:
    from contracts.suites.inprocess import InProcessSuite, workflow
    from mockserver import VirtualClock

    settings_ = SuiteSettings(api_key="sk-mg-v1-" + "5e" * 32)
    app = broken_app(defect)
    suite = InProcessSuite(clock=VirtualClock(), app=app, settings=settings_, schema=load_schema(settings_, app=app))
    machine = workflow(suite)
    with pytest.raises(BaseExceptionGroup, match=named):
        machine.run(
            settings=settings(
                max_examples=30,
                stateful_step_count=6,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
        )


def test_credit_handles_go_through_the_controls(mock: ModelGatesMock) -> None:
    assert mock.balance is None  # unlimited by default
    mock.set_credits("0.10")
    assert mock.balance == Decimal("0.10")
    response = mock.client.post("/videos", json=BODY, headers=mock.headers)
    assert response.status_code == 402 and response.json()["error"]["metadata"]["balance"] == "0.10"
    assert mock.control.key(OPERATOR, mock.api_key)["credits"] == "0.10"
    mock.set_credits(None)
    assert mock.client.post("/videos", json=BODY, headers=mock.headers).status_code == 202


def test_a_live_rate_limited_server_refuses_a_retry_before_retry_after() -> None:
    servers = LiveServers()
    try:
        live = ModelGatesServer(servers.get(0), scenario="rate-limited", api_key=new_api_key("rl"), speed=0)
        with httpx.Client(base_url=live.base_url, headers=live.headers) as http:
            first = http.post("/videos", json=BODY)
            assert first.status_code == 429 and first.headers["retry-after"] == "2"
            assert http.post("/videos", json=BODY).status_code == 429  # at once: still refused
            live.advance(2)
            assert http.post("/videos", json=BODY).status_code == 202
        live.close()
    finally:
        servers.stop()
