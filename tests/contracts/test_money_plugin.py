"""The plugin's money assertions and `api_version=`, as its users see them (pytester), and the
faults' latency and drops over a real loopback socket."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

import client  # noqa: F401  (imported before pytester runs: see test_plugin.py)
import contracts.pytest_plugin.fixtures  # noqa: F401
from mockserver import OPERATOR, MockConfig, MockServer, VirtualClock, mock_controller, new_api_key
from tests.contracts.test_plugin import PLUGIN

pytest_plugins = ["pytester"]

BODY = {"model": "google/veo-3.1-lite", "prompt": "a cat", "duration": 4}


def test_paid_once_catches_a_retry_after_a_billed_500(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_money="""
        import pytest

        BODY = {"model": "google/veo-3.1-lite", "prompt": "a cat", "duration": 4}

        @pytest.mark.modelgates(scenario="ghost-submit", api_version="2026-10")
        def test_naive(modelgates_mock):
            http, auth = modelgates_mock.client, modelgates_mock.headers
            if http.post("/videos", json=BODY, headers=auth).status_code == 500:
                http.post("/videos", json=BODY, headers=auth)
            modelgates_mock.assert_paid_once()

        @pytest.mark.modelgates(scenario="ghost-submit", api_version="2026-06")
        def test_careful(modelgates_mock):
            http, auth = modelgates_mock.client, modelgates_mock.headers
            assert http.post("/videos", json=BODY, headers=auth).status_code == 500
            assert len(modelgates_mock.jobs()[0].id) == 20  # 2026-06 ids
            modelgates_mock.assert_paid_once()
        """
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*paid more than once for an intended job*", "*2 jobs charged for 1 intended*"])


def test_handled_expiry_catches_an_app_that_retries_a_gone_output(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_expiry="""
        import pytest

        BODY = {"model": "google/veo-3.1-lite", "prompt": "a cat", "duration": 4}

        @pytest.mark.modelgates(scenario="outputs-expire", api_version="2026-10")
        @pytest.mark.parametrize("retries", [0, 2])
        def test_late(modelgates_mock, retries):
            http, auth = modelgates_mock.client, modelgates_mock.headers
            job = http.post("/videos", json=BODY, headers=auth).json()
            assert job["id"].startswith("gen-vid-")
            modelgates_mock.advance(3600)
            job = http.get(job["polling_url"], headers=auth).json()
            for _ in range(1 + retries):
                assert http.get(job["unsigned_urls"][0], headers=auth).status_code == 410
            modelgates_mock.assert_handled_expiry()
        """
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*asked again for an expired output*"])


def test_an_unknown_api_version_in_the_marker_fails_clearly(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_bad="""
        import pytest

        @pytest.mark.modelgates(api_version="2025-01")
        def test_it(modelgates_mock):
            pass
        """
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown api_version '2025-01'*"])


def _scenario(tmp_path: Path, fault: str) -> str:
    path = tmp_path / "fault.toml"
    steps = '[[steps]]\nstatus = "pending"\nseconds = 5\n[[steps]]\nstatus = "completed"\n'
    path.write_text(steps + '[[faults]]\non = "submit"\nevery = 1\n' + fault)
    return str(path)


def test_latency_is_real_seconds_on_a_live_server(tmp_path: Path) -> None:
    config = MockConfig(scenario=_scenario(tmp_path, "latency = 0.3\n"), api_version="2026-10")
    headers = {"Authorization": f"Bearer {new_api_key(5)}"}
    with MockServer(config, clock=VirtualClock()) as server, httpx.Client(base_url=server.base_url) as http:
        with pytest.raises(httpx.ReadTimeout):
            http.post("/videos", json=BODY, headers=headers, timeout=0.05)
        assert http.post("/videos", json=BODY, headers=headers, timeout=5).status_code == 202
        assert len(mock_controller(server.app).jobs(OPERATOR)) == 2  # the timed-out submit made a job too


def test_a_drop_after_commit_closes_the_connection_with_the_job_made(tmp_path: Path) -> None:
    config = MockConfig(scenario=_scenario(tmp_path, "after_commit = true\ndrop = true\n"), api_version="2026-10")
    headers = {"Authorization": f"Bearer {new_api_key(5)}"}
    with MockServer(config, clock=VirtualClock()) as server, httpx.Client(base_url=server.base_url) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            http.post("/videos", json=BODY, headers=headers)
        assert len(mock_controller(server.app).jobs(OPERATOR)) == 1
