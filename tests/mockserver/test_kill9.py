"""`kill -9` and a restart with `--state`: every job, balance and journal entry is still there,
and the jobs carry on their timelines (moved on with the control API, not by waiting)."""

from __future__ import annotations

import asyncio
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import httpx

from mockserver import new_api_key
from tests.mockserver.helpers import SEED_000_BODY

ADMIN = "mg-admin-" + "5" * 32
KEYS = [new_api_key("kill-a"), new_api_key("kill-b")]
SCENARIO = """description = "long enough that nothing ends by itself during the test"
[[steps]]
status = "pending"
seconds = 3600
[[steps]]
status = "in_progress"
seconds = 3600
[[steps]]
status = "completed"
"""


class Mock:
    def __init__(self, url: str) -> None:
        self.url = url
        self.api = httpx.Client(base_url=f"{url}/api/v1", timeout=10)
        self.control = httpx.Client(base_url=f"{url}/_mock", timeout=10, headers={"Authorization": f"Bearer {ADMIN}"})

    def submit(self, key: str, **headers: str) -> httpx.Response:
        return self.api.post("/videos", json=SEED_000_BODY, headers={"Authorization": f"Bearer {key}", **headers})

    def poll(self, key: str, job_id: str) -> dict[str, Any]:
        response = self.api.get(f"/videos/{job_id}", headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def jobs(self) -> dict[str, dict[str, Any]]:
        return {job["id"]: job for job in self.control.get("/jobs", params={"limit": 1000}).json()["jobs"]}

    def journal(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self.control.get("/journal", params={"limit": 1000}).json()["entries"]
        return entries

    def balance(self, key: str) -> str | None:
        balance: str | None = self.control.get(f"/keys/{key}").json()["credits"]
        return balance


@contextmanager
def running(state: Path, scenario: Path, credits: str | None = "0.50") -> Iterator[tuple[subprocess.Popen[str], Mock]]:
    command = [sys.executable, "-m", "mockserver", "--port", "0", "--state", str(state), "--scenario", str(scenario)]
    command += ["--credits", credits] if credits is not None else []
    command += ["--admin-token", ADMIN, "--seed", "9"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()

    def pump(stream: IO[str]) -> None:
        for line in stream:
            lines.put(line)

    assert process.stdout is not None
    reader = threading.Thread(target=pump, args=(process.stdout,), daemon=True)
    reader.start()
    try:
        ready = lines.get(timeout=30)  # bounded: a server that never starts fails the test
        match = re.search(r"ready at (http://127\.0\.0\.1:\d+)/api/v1", ready)
        assert match, ready
        mock = Mock(match[1])
        try:
            yield process, mock
        finally:
            mock.api.close()
            mock.control.close()
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        reader.join(timeout=10)  # the pipe is at its end once the process is gone
        process.stdout.close()


def test_kill_9_and_restart_keeps_jobs_balances_and_journal_and_timelines_go_on(tmp_path: Path) -> None:
    state, scenario = tmp_path / "mock.sqlite", tmp_path / "long.toml"
    scenario.write_text(SCENARIO)
    with running(state, scenario) as (process, mock):
        ids = {key: [mock.submit(key).json()["id"] for _ in range(3 - n)] for n, key in enumerate(KEYS)}
        failing = mock.submit(KEYS[0], **{"X-Mock-Scenario": "fail"}).json()["id"]
        assert mock.submit(KEYS[0]).status_code == 402  # 0.50 covers four 0.12 jobs, not five
        mock.control.post("/clock/advance", json={"seconds": 4000})  # pending → in_progress for the long jobs
        for key, job_ids in ids.items():
            for job_id in job_ids:
                mock.poll(key, job_id)
        assert mock.poll(KEYS[0], failing)["status"] == "failed"
        # Reading the journal writes out the bookkeeping waiting (the polls counted), as the
        # server's 100 ms flush would: a kill -9 before it would lose those counts (DECISIONS.md).
        before_jobs, before_journal = mock.jobs(), mock.journal()
        before_balances = [mock.balance(key) for key in KEYS]
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    # The fail job was refunded when it ended.
    assert [Decimal(str(b)) for b in before_balances] == [Decimal("0.14"), Decimal("0.26")]
    with running(state, scenario) as (_, mock):
        after_jobs = mock.jobs()
        assert set(after_jobs) == set(before_jobs)
        for job_id, job in before_jobs.items():
            assert after_jobs[job_id]["status"] == job["status"]
            assert after_jobs[job_id]["polls"] == job["polls"]
            assert after_jobs[job_id]["cost"] == job["cost"]
        assert {job["status"] for job in after_jobs.values()} == {"in_progress", "failed"}
        assert [mock.balance(key) for key in KEYS] == before_balances
        assert mock.journal()[: len(before_journal)] == before_journal
        # The timelines carry on: an hour later every long job has completed, none started over.
        mock.control.post("/clock/advance", json={"seconds": 3600})
        for key, job_ids in ids.items():
            for job_id in job_ids:
                body = mock.poll(key, job_id)
                assert body["status"] == "completed"
                assert body["generation_id"] == before_jobs[job_id]["generation_id"]
        assert mock.submit(KEYS[1]).status_code == 202  # 0.26 still covers one more job
        assert Decimal(str(mock.balance(KEYS[1]))) == Decimal("0.14")


def test_kill_9_in_a_flood_of_submits_keeps_every_one_that_was_answered_202(tmp_path: Path) -> None:
    state, scenario = tmp_path / "mock.sqlite", tmp_path / "long.toml"
    scenario.write_text(SCENARIO)
    answered: list[str] = []
    with running(state, scenario, credits=None) as (process, mock):

        async def flood() -> None:
            # 32 clients submit at once, so the server answers them in groups sharing one commit;
            # the kill comes while many are in flight (some answered, some not yet written).
            async with httpx.AsyncClient(base_url=mock.api.base_url, timeout=10) as http:

                async def client() -> None:
                    headers = {"Authorization": f"Bearer {KEYS[0]}"}
                    while len(answered) < 300:
                        response = await http.post("/videos", json=SEED_000_BODY, headers=headers)
                        assert response.status_code == 202, response.text
                        answered.append(response.json()["id"])
                    os.kill(process.pid, signal.SIGKILL)

                await asyncio.gather(*(client() for _ in range(32)), return_exceptions=True)

        asyncio.run(flood())
        process.wait(timeout=10)
    assert len(answered) >= 300
    with running(state, scenario, credits=None) as (_, mock):
        kept = mock.jobs()
        assert [job_id for job_id in answered if job_id not in kept] == []
