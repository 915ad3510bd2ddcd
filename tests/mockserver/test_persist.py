"""`--state PATH`: a mock rebuilt from its SQLite file is the mock that was never stopped."""

from __future__ import annotations

import sqlite3
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver import OPERATOR, MockConfig, SyncASGITransport, VirtualClock, create_app, mock_controller, new_api_key
from mockserver.persistence.state_file import StateFile
from tests.mockserver.helpers import BASE, SEED_000_BODY
from tests.mockserver.hooks import SECRET, Hooks

KEYS = [new_api_key("a"), new_api_key("b")]
SCENARIOS = ["happy", "slow-then-fail", "cancel", "flaky-poll", "observed"]


class Instance:
    """One mock process, as far as its state is concerned."""

    def __init__(self, path: Path | None, clock: VirtualClock, **config: Any) -> None:
        self.clock = clock
        settings = MockConfig(seed=3, state_path=str(path) if path else None, **config)
        self.app = create_app(settings, clock=clock)
        self.control = mock_controller(self.app)
        self.http = httpx.Client(transport=SyncASGITransport(self.app), base_url=BASE)

    def call(
        self, method: str, url: str, key: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}", **(headers or {})}
        return self.http.request(method, url, headers=headers, **kwargs)

    def close(self) -> None:
        self.http.close()


def drive(instance: Instance) -> list[str]:
    """A morning of an app's traffic: submits under every scenario, polls, a download, a 402."""
    ids = []
    for n, scenario in enumerate(SCENARIOS * 2):
        key = KEYS[n % 2]
        response = instance.call("POST", "/videos", key, json=SEED_000_BODY, headers={"X-Mock-Scenario": scenario})
        assert response.status_code == 202, response.text
        ids.append(response.json()["id"])
        instance.clock.advance(7)
        for job_id in ids[-3:]:
            instance.call("GET", f"/videos/{job_id}", KEYS[ids.index(job_id) % 2])
    instance.control.set_scenario(KEYS[1], "fail")
    instance.control.update_key(OPERATOR, KEYS[1], credits=Decimal("0.05"))
    assert instance.call("POST", "/videos", KEYS[1], json=SEED_000_BODY).status_code == 402
    instance.clock.advance(30)
    return ids


def snapshot(instance: Instance, ids: list[str]) -> dict[str, Any]:
    control = instance.control
    return {
        "jobs": {job_id: control.stored(job_id) for job_id in ids},
        "ledger": control.ledger(),
        "balances": {key: instance.app.instance.service.ledger.balance(key) for key in KEYS},  # not swept
        "journal": instance.control.journal_entries(),
        "scenarios": {key: instance.app.instance.service.store.tenant(key).scenario for key in KEYS},
    }


def polls_until_done(instance: Instance, ids: list[str]) -> list[dict[str, Any]]:
    seen = []
    for _ in range(20):
        instance.clock.advance(60)
        for n, job_id in enumerate(ids):
            seen.append(instance.call("GET", f"/videos/{job_id}", KEYS[n % 2]).json())
    return seen


def test_a_restarted_mock_has_everything_and_continues_like_one_never_stopped(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    first = Instance(path, VirtualClock())
    ids = drive(first)
    before = snapshot(first, ids)
    stopped_at = first.clock.now()
    # As if killed: only what SQLite committed survives, and the lock goes with the process.
    first.app.close()

    restarted = Instance(path, VirtualClock(stopped_at))
    assert snapshot(restarted, ids) == before
    never_stopped = Instance(None, VirtualClock())
    assert drive(never_stopped) == ids
    assert polls_until_done(restarted, ids) == polls_until_done(never_stopped, ids)
    statuses = {job.status.value for job in restarted.control.stored_jobs()}
    assert statuses <= {"completed", "failed", "cancelled"} and len(statuses) == 3
    for instance in (first, restarted, never_stopped):
        instance.close()


def test_new_jobs_after_a_restart_get_fresh_ids_and_the_journal_carries_on(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    first = Instance(path, VirtualClock())
    ids = drive(first)
    last_seq = first.control.journal_entries()[-1].seq
    first.app.close()
    restarted = Instance(path, VirtualClock(first.clock.now()))
    response = restarted.call("POST", "/videos", KEYS[0], json=SEED_000_BODY)
    assert response.status_code == 202
    assert response.json()["id"] not in ids
    assert restarted.control.journal_entries()[-1].seq == last_seq + 1


@pytest.mark.slow
def test_the_journal_file_stays_bounded_like_the_ring_buffer(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    instance = Instance(path, VirtualClock(), journal_size=50)
    for _ in range(1200):
        instance.call("GET", "/videos/models", KEYS[0])
    db = sqlite3.connect(path)
    rows = [db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in ("journal", "journal_b")]
    db.close()
    assert max(rows) <= 50 and 50 <= sum(rows) <= 100  # two tables of at most 50, filled in turn
    instance.app.close()
    restarted = Instance(path, VirtualClock(), journal_size=50)
    assert [e.seq for e in restarted.control.journal_entries()] == list(range(1151, 1201))


def test_reset_empties_the_file_too(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    first = Instance(path, VirtualClock())
    drive(first)
    first.control.reset(OPERATOR)
    first.app.close()
    restarted = Instance(path, VirtualClock())
    assert restarted.control.job_count == 0
    assert restarted.control.ledger() == []
    assert restarted.control.journal_entries() == []


def test_a_job_whose_scenario_file_is_gone_keeps_its_timeline(tmp_path: Path) -> None:
    scenario = tmp_path / "mine.toml"
    scenario.write_text('[[steps]]\nstatus = "pending"\nseconds = 10\n\n[[steps]]\nstatus = "failed"\n')
    path = tmp_path / "state.sqlite"
    first = Instance(path, VirtualClock(), scenario=str(scenario))
    job_id = first.call("POST", "/videos", KEYS[0], json=SEED_000_BODY).json()["id"]
    scenario.unlink()
    first.app.close()
    restarted = Instance(path, VirtualClock(first.clock.now() + 60))
    assert restarted.call("GET", f"/videos/{job_id}", KEYS[0]).json()["status"] == "failed"
    assert not restarted.control.errors


def test_the_system_clock_resumes_with_the_downtime_included(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "state.sqlite")
    state.save_clock(mock=1_000.0, wall=time.time() - 10, speed=2.0)
    clock = state.system_clock(speed=1.0)
    # 10 real seconds of downtime at the old speed 2: the mock is 20 s further on.
    assert 1_020.0 <= clock.now() < 1_025.0
    assert clock.speed == 1.0


def test_a_fresh_state_file_starts_the_clock_at_wall_time(tmp_path: Path) -> None:
    clock = StateFile(tmp_path / "state.sqlite").system_clock(speed=60.0)
    assert abs(clock.now() - time.time()) < 5


def test_an_unusable_state_path_is_a_clear_cli_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mockserver.cli import main

    assert main(["--state", str(tmp_path / "missing-dir" / "state.sqlite"), "--port", "0"]) == 2
    assert "state.sqlite: No such file or directory" in capsys.readouterr().err


def test_an_unfinished_webhook_delivery_resumes_its_retries_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    settings: dict[str, Any] = {"state_path": str(path), "scenario": "fast", "webhook_secret": SECRET}
    first = Hooks(**settings)
    first.receiver.answers = [500]
    job_id = first.job_id()
    first.run(3600)  # the job ends; its first attempt fails; a retry is due 5 s later
    assert [a.status for a in first.control.delivery_records()[0].attempts] == [500]
    first.app.close()

    second = Hooks(**settings)
    second.clock.advance(first.clock.now() - second.clock.now())
    (delivery,) = second.control.delivery_records()
    assert (delivery.job_id, delivery.state, len(delivery.attempts)) == (job_id, "pending", 1)
    assert second.run(5) == 1
    assert [a.status for a in second.control.delivery_records()[0].attempts] == [500, 200]
    (request,) = second.receiver.requests
    assert request.headers["x-modelgates-idempotency-key"] == f"{job_id}-completed"
    assert request.content == first.receiver.requests[0].content  # the same event, byte for byte
    for hooks in (first, second):
        hooks.close()
