from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from mockserver import MockConfig, create_app
from mockserver.cli import TransitionLog, main
from mockserver.domain.jobs import Job, JobStatus, Phase, Transition
from tests.mockserver.helpers import SEED_000_BODY, ProcessLines


def test_a_flood_of_transitions_is_logged_within_budget_and_the_rest_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [100.0]
    transitions = TransitionLog(per_second=3, clock=lambda: now[0])
    job = Job(
        id="J" * 20,
        tenant="k",
        model="m",
        scenario="happy",
        created_at=0.0,
        timeline=(Phase(JobStatus.COMPLETED),),
        request_json="{}",
        aspect_ratio="16:9",
        cost=Decimal(1),
        generation_suffix="G" * 20,
    )
    step = Transition(job.id, JobStatus.IN_PROGRESS, JobStatus.COMPLETED, 5.0)
    with caplog.at_level("INFO", logger="mockserver.jobs"):
        for _ in range(10):
            transitions(job, step)
        assert len(caplog.messages) == 3
        now[0] += 0.999  # still the same second
        transitions(job, step)
        assert len(caplog.messages) == 3
        now[0] += 0.001
        transitions(job, step)
    assert caplog.messages[3] == "  ... 8 more transitions not shown (over 3 a second)"
    assert len(caplog.messages) == 5 and "in_progress -> completed" in caplog.messages[4]


def test_list_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list-scenarios"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^slow-then-fail\s+Queued .*long in_progress", out, re.M)
    assert len(out.splitlines()) >= 10


def test_an_unknown_scenario_exits_2_with_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--scenario", "nope"]) == 2
    assert "built-ins:" in capsys.readouterr().err


def test_a_taken_port_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["--port", str(port), "--state", str(state)]) == 2
    out, err = capsys.readouterr()
    hint = "(is another mockserver running? --port 0 picks a free port)"
    assert (out, err) == ("", f"mockserver: cannot listen on 127.0.0.1:{port}: address already in use {hint}\n")
    # The state file it opened is let go: this process can open it again.
    create_app(MockConfig(state_path=str(state))).close()


@pytest.mark.parametrize("argv", [["--speed", "0"], ["--speed", "-1"], ["--port", "x"]])
def test_bad_arguments_are_refused_by_the_parser(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2


def test_the_command_prints_a_ready_line_serves_logs_transitions_and_stops_on_sigterm() -> None:
    command = [sys.executable, "-m", "mockserver", "--port", "0", "--scenario", "fast", "--speed", "1000"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = ProcessLines(process)
        ready = lines.next(20)
        match = re.search(r"ready at (http://127\.0\.0\.1:\d+/api/v1)", ready)
        assert match, ready
        curl = lines.next()
        key = re.search(r"Bearer (sk-mg-v1-[0-9a-f]{64})", curl)
        assert key and "curl -s" in curl
        lines.next()  # the contract / stop hint line
        dashboard = re.search(r"dashboard: (http://\S+/_mock/)#token=(mg-admin-[0-9a-f]{32})$", lines.next().strip())
        assert dashboard, "no dashboard line"
        operator = {"Authorization": f"Bearer {dashboard[2]}"}
        assert httpx.get(f"{dashboard[1]}jobs", headers=operator).json() == {"jobs": []}
        with httpx.Client(base_url=match[1], headers={"Authorization": f"Bearer {key[1]}"}) as http:
            job = http.post("/videos", json=SEED_000_BODY).json()
            # At 1000x a vendor second is a real millisecond; reading the job logs what happened.
            deadline = time.monotonic() + 10  # bounded: a broken clock fails instead of hanging
            while http.get(f"/videos/{job['id']}").json()["status"] != "completed":
                assert time.monotonic() < deadline, "the fast job never completed"
        log = lines.next()
        assert f"job {job['id']}" in log and "pending -> in_progress" in log
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        rest = [lines.next() for _ in range(2)]
        assert "in_progress -> completed" in rest[0] and "stopped" in rest[1]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        assert process.stdout is not None
        process.stdout.close()
