"""A webhook attempt is in the state file before it is sent: a kill mid-attempt does not hide it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx

from mockserver.webhooks.delivery import INTERRUPTED
from tests.mockserver.hooks import Hooks
from tests.persistence.helpers import Mock


def test_an_attempt_in_flight_when_the_server_dies_is_in_the_record_after_a_restart(tmp_path: Path) -> None:
    path, snapshot = tmp_path / "state.db", tmp_path / "killed-mid-attempt.db"
    hooks = Hooks("fast", state_path=str(path))
    job_id = hooks.job_id()

    def receive(request: httpx.Request) -> httpx.Response:
        # The file as a `kill -9` at this instant would leave it.
        with sqlite3.connect(path) as live, sqlite3.connect(snapshot) as copy:
            live.backup(copy)
        return httpx.Response(200)

    hooks.instance.webhooks.transport = httpx.MockTransport(receive)
    assert hooks.run(3600) == 1
    hooks.close()
    hooks.app.close()

    restarted = Mock(snapshot, clock=hooks.clock, scenario="fast", webhook_secret="s")
    (delivery,) = restarted.control.delivery_records()
    assert (delivery.job_id, delivery.state) == (job_id, "pending")
    assert [(a.number, a.status, a.error) for a in delivery.attempts] == [(1, None, INTERRUPTED)]
    restarted.stop()
