"""The server's flags, tried on the real command: each does what `--help` says."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.mockserver.helpers import SEED_000_BODY, ProcessLines


class _Mock:
    def __init__(self, *argv: str) -> None:
        command = [sys.executable, "-m", "mockserver", "--port", "0", *argv]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = ProcessLines(self.process)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=10)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.lines.join()  # EOF reached: the pipe can be closed under nobody's feet
        assert self.process.stdout is not None
        self.process.stdout.close()


def _events(lines: ProcessLines, until: str, limit: int = 40) -> list[dict[str, Any]]:
    """JSON log lines up to (and with) the first whose message contains `until` (bounded)."""
    found = []
    for _ in range(limit):
        event = json.loads(lines.next())
        found.append(event)
        if until in event["message"]:
            return found
    raise AssertionError(f"no {until!r} in {limit} lines")


def test_json_logs_access_log_cors_and_transitions_as_they_happen() -> None:
    mock = _Mock("--log-format", "json", "--access-log", "--cors", "http://localhost:3000", "--scenario", "fast")
    try:
        ready = _events(mock.lines, "ready at")[-1]
        assert ready["event"] == "ready" and ready["level"] == "info"
        banner = _events(mock.lines, "cors: answering browsers from http://localhost:3000")
        token = re.search(r"#token=(mg-admin-\w+)", " ".join(e["message"] for e in banner))
        assert token
        base = ready["url"]
        key = "sk-mg-v1-" + "ab" * 32
        preflight = httpx.options(
            f"{base}/videos",
            headers={
                "Origin": "http://localhost:3000",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "http://localhost:3000"
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert preflight.headers["access-control-allow-headers"] == "authorization, content-type"
        submit = httpx.post(
            f"{base}/videos",
            json=SEED_000_BODY,
            headers={"Authorization": f"Bearer {key}", "Origin": "http://localhost:3000"},
        )
        assert submit.status_code == 202 and submit.headers["access-control-allow-origin"] == "http://localhost:3000"
        assert "Retry-After" in submit.headers["access-control-expose-headers"]
        job_id = submit.json()["id"]
        # Nobody polls: the transitions are logged when they happen on the mock's clock (~3 s).
        seen = _events(mock.lines, "in_progress -> completed")
        requests = [e for e in seen if e.get("event") == "request"]
        assert [(r["method"], r["status"]) for r in requests] == [("OPTIONS", 204), ("POST", 202)]
        moves = [e for e in seen if e.get("event") == "transition"]
        assert [(m["job_id"], m["old"], m["new"]) for m in moves] == [
            (job_id, "pending", "in_progress"),
            (job_id, "in_progress", "completed"),
        ]
        assert moves[1]["t"] == pytest.approx(3.0) and moves[1]["mock_time"].endswith("Z")
        assert re.search(
            r"^\d\d:\d\d:\d\d job \S+  in_progress -> completed  .* mock \d{4}-\d\d-\d\dT", moves[1]["message"]
        )
        # uvicorn's own lines are JSON too (each line above was parsed): a request that is not HTTP.
        port = int(base.rsplit(":", 1)[1].split("/")[0])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            raw.sendall(b"GARBAGE\r\n\r\n")
            assert raw.recv(64).startswith(b"HTTP/1.1 400")
        warning = _events(mock.lines, "Invalid HTTP request received")[-1]
        assert (warning["level"], warning["logger"]) == ("warning", "uvicorn.error")
        assert mock.stop() == 0
    finally:
        mock.kill()


def test_a_restart_on_the_same_state_says_what_it_restored_and_keeps_the_token(tmp_path: Path) -> None:
    state = str(tmp_path / "mock.sqlite")
    first = _Mock("--state", state, "--scenario", "fast")
    try:
        url = re.search(r"ready at (\S+)", first.lines.next(20))
        assert url
        lines = [first.lines.next() for _ in range(4)]
        assert lines[-1].strip() == f"state: {state} (new: nothing to restore)"
        token = re.search(r"#token=(\S+)", lines[2])
        assert token
        key = "sk-mg-v1-" + "ab" * 32
        for _ in range(2):
            assert (
                httpx.post(
                    f"{url[1]}/videos", json=SEED_000_BODY, headers={"Authorization": f"Bearer {key}"}
                ).status_code
                == 202
            )
        assert first.stop() == 0
    finally:
        first.kill()
    again = _Mock("--state", state)
    try:
        again.lines.next(20)
        lines = [again.lines.next() for _ in range(4)]
        assert lines[2].strip().endswith(f"#token={token[1]}")  # the old dashboard URL still works
        assert lines[3].strip() == f"state: {state} (restored 2 jobs of 1 key, the admin token kept)"
        assert again.stop() == 0
    finally:
        again.kill()


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback here")
def test_an_ipv6_host_prints_a_url_curl_accepts() -> None:
    mock = _Mock("--host", "::1")
    try:
        url = re.search(r"ready at (http://\[::1\]:\d+/api/v1)", mock.lines.next(20))
        assert url, "no bracketed URL"
        assert httpx.get(f"{url[1]}/videos/models").status_code == 200
        assert mock.stop() == 0
    finally:
        mock.kill()
