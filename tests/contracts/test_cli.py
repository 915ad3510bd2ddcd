"""`python -m contracts URL --key KEY`: passes against the mock, and fails, naming the violation,
against servers broken on purpose. Loopback only; every run is bounded (few examples, short wait).
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.url_check.cli import main
from mockserver import MockConfig, MockServer, new_api_key
from tests.contracts.broken_app import KEY, broken_app

QUICK = ["--max-examples", "5", "--phases", "examples,fuzzing,stateful", "--wait", "2", "--poll-interval", "0.01"]


@pytest.fixture(scope="module")
def live_mock() -> Iterator[MockServer]:
    # "fast" at 1000x: the probe job is done long before the Schemathesis run ends, so no waiting.
    with MockServer(MockConfig(scenario="fast", speed=1000, seed=11)) as server:
        yield server


@pytest.mark.slow
def test_the_mock_keeps_the_contract(live_mock: MockServer, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    key = new_api_key("cli")
    junit = tmp_path / "junit.xml"
    code = main(
        [
            live_mock.base_url,
            "--key",
            key,
            "--max-examples",
            "8",
            "--wait",
            "5",
            "--poll-interval",
            "0.05",
            "--junit-xml",
            str(junit),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "OK: no contract violations." in out
    assert key not in out
    for operation in ("POST /videos", "GET /videos/{jobId}", "GET /videos/{jobId}/content", "GET /videos/models"):
        assert "2" in out.split(operation, 1)[1].splitlines()[0]  # answered some 2xx
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "0" and suite.get("tests") == "4"
    assert not live_mock.controller.errors


@pytest.mark.parametrize(
    ("defect", "named"),
    [
        (
            "content-type",
            [
                "GET /videos/{jobId}/content",
                "content_type_conformance",
                "modelgates_mp4_content",
                "application/octet-stream",
            ],
        ),
        ("null-field", ["response_schema_conformance", "generation_id", "null is not of type"]),
        ("unknown-status", ["GET /videos/{jobId}", "response_schema_conformance", '"done" is not one of']),
        ("plain-404", ["modelgates_error_envelope", "text/plain", "404"]),
        ("all-401", ["positive_data_acceptance", "reachability", "never answered 2xx"]),
        ("not-mp4", ["GET /videos/{jobId}/content", "modelgates_mp4_content", "content is not an MP4"]),
        ("status-backwards", ["GET /videos/{jobId}", "ModelGatesStatusOrder", "back to 'in_progress'"]),
        ("polling-url", ["POST /videos", "modelgates_polling_url", "/api/v2/videos/"]),
    ],
)
@pytest.mark.slow
def test_a_broken_server_is_caught_and_named(
    defect: str, named: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    junit = tmp_path / "junit.xml"
    with MockServer(app=broken_app(defect)) as server:
        code = main([server.base_url, "--key", KEY, *QUICK, "--junit-xml", str(junit)])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "FAILED:" in out
    for text in named:
        assert text in out, f"{text!r} not named in the report:\n{out}"
    assert KEY not in out and KEY not in junit.read_text()
    assert "Reproduce with:" in out and "curl -X" in out
    failures = ET.parse(junit).getroot().iter("failure")
    assert any(named[0] in (f.get("type", "") + (f.text or "")) for f in failures)


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MODELGATES_API_KEY", raising=False)
    assert main(["http://127.0.0.1:9/api/v1"]) == 2
    assert main(["http://127.0.0.1:9/api/v1", "--key", "k", "--phases", "warp"]) == 2
    assert "unknown phase" in capsys.readouterr().err


def test_module_entry_point_prints_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "contracts", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0
    assert "--junit-xml" in done.stdout and "--max-examples" in done.stdout


def test_without_schemathesis_it_names_the_extra(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "schemathesis", None)  # as if the extra were not installed
    assert main(["http://127.0.0.1:9/api/v1", "--key", KEY]) == 2
    err = capsys.readouterr().err
    assert err == (
        "error: python -m contracts needs Schemathesis, which comes with an extra: "
        "pip install 'modelgates-mock[contracts]'\n"
    )
