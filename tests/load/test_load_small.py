"""Load without loss, CI-sized: 20 clients, 100 jobs of mixed scenarios on a live loopback server."""

from __future__ import annotations

import asyncio

import pytest

from bench.load import EXPECTED_TERMINAL, run_load
from mockserver import MockConfig, MockServer, VirtualClock


@pytest.mark.slow
def test_mixed_scenarios_under_concurrency_lose_nothing() -> None:
    clock = VirtualClock()
    with MockServer(MockConfig(), clock=clock) as server:
        report = asyncio.run(run_load(server.base_url, clients=20, jobs=100, deadline=60, advance=clock.advance))
        assert not server.controller.errors, server.controller.errors
        assert server.controller.job_count == 100
    assert report.unexpected == []
    assert report.wrong_terminal == []
    assert report.cross_tenant_reads == 0
    assert sum(report.finished.values()) == 100
    # Every scenario of the mix ran, and its jobs ended where the scenario says.
    expected_statuses = set(EXPECTED_TERMINAL.values())
    assert set(report.finished) == expected_statuses
    assert report.expected_faults > 0  # flaky-poll and flaky-content did inject their faults
    assert report.ok
