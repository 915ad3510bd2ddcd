"""A served loop's submits share one commit per turn, and each is answered only once written;
a group the disk refuses takes every one of its submits back and answers each 500."""

from __future__ import annotations

import asyncio
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from mockserver import AsyncASGITransport
from mockserver.control.controller import OPERATOR
from mockserver.persistence.state_file import StateFile
from tests.mockserver.helpers import BASE, SEED_000_BODY, assert_envelope
from tests.persistence.helpers import KEY_A, Connection, Disk, Mock, rows

HOOK = "http://127.0.0.1:9/hook"


class Commits(Connection):
    """Notes what was answered at each commit."""

    def __init__(self, state_file: StateFile, answered: list[int]) -> None:
        super().__init__(state_file)
        self._answered = answered
        self.answered_at_commit: list[int] = []

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        if sql == "COMMIT":
            self.answered_at_commit.append(len(self._answered))
        return self._db.execute(sql, params)


async def _submits(mock: Mock, count: int, answered: list[int], **body: Any) -> list[httpx.Response]:
    """`count` submits at once through the app on this loop, as a served mock takes them."""
    mock.state_file.group_commits(asyncio.get_running_loop())
    headers = {"Authorization": f"Bearer {KEY_A}"}
    async with httpx.AsyncClient(transport=AsyncASGITransport(mock.app), base_url=BASE) as http:

        async def one() -> httpx.Response:
            response = await http.post("/videos", json={**SEED_000_BODY, **body}, headers=headers)
            answered.append(response.status_code)
            return response

        return await asyncio.gather(*(one() for _ in range(count)))


def test_the_submits_of_one_turn_share_one_commit_and_none_is_answered_before_it(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    mock = Mock(path, credits=Decimal("10"))
    answered: list[int] = []
    commits = Commits(mock.state_file, answered)
    responses = asyncio.run(_submits(mock, 20, answered))
    assert [r.status_code for r in responses] == [202] * 20
    assert commits.answered_at_commit == [0]  # one transaction, before any answer went out
    ids = {r.json()["id"] for r in responses}
    assert {job_id for (job_id,) in rows(path, "SELECT id FROM jobs")} == ids
    assert rows(path, "SELECT COUNT(*) FROM ledger WHERE kind = 'charge'") == [(20,)]
    mock.stop()


def test_a_group_the_disk_refuses_answers_each_submit_500_and_takes_every_one_back(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    mock = Mock(path, credits=Decimal("10"), webhook_allow_http_loopback=True)
    disk = Disk(mock.state_file)
    disk.full = True
    # An early webhook is made when its submit is written: one taken back leaves none behind.
    responses = asyncio.run(_early(mock, 5))
    for response in responses:
        assert "not created and nothing was charged" in assert_envelope(response, 500)["message"]
    assert mock.balance() == Decimal("10") and mock.job_ids() == []
    assert mock.control.deliveries(OPERATOR) == []
    disk.full = False
    job_id = mock.job_id()
    mock.stop()
    assert [job for (job,) in rows(path, "SELECT id FROM jobs")] == [job_id]


async def _early(mock: Mock, count: int) -> list[httpx.Response]:
    mock.state_file.group_commits(asyncio.get_running_loop())
    headers = {"Authorization": f"Bearer {KEY_A}", "X-Mock-Scenario": "webhook-early"}
    body = {**SEED_000_BODY, "callback_url": HOOK}
    async with httpx.AsyncClient(transport=AsyncASGITransport(mock.app), base_url=BASE) as http:
        return await asyncio.gather(*(http.post("/videos", json=body, headers=headers) for _ in range(count)))


def test_a_written_submit_makes_its_early_webhook_after_its_commit(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    mock = Mock(path, webhook_allow_http_loopback=True)
    (response,) = asyncio.run(_early(mock, 1))
    assert response.status_code == 202
    assert [d["job_id"] for d in mock.control.deliveries(OPERATOR)] == [response.json()["id"]]
    mock.stop()


def test_any_other_operation_first_commits_the_submits_waiting(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    mock = Mock(path, scenario="observed")  # a poll moves nothing for four polls: its unit writes none
    service = mock.instance.service
    earlier = mock.job_id()
    commits = Commits(mock.state_file, [])

    async def scenario() -> None:
        state_file = mock.state_file
        state_file.group_commits(asyncio.get_running_loop())
        with state_file.grouped():
            job = service.submit(KEY_A, SEED_000_BODY)
        waiting = state_file.settled()
        assert waiting is not None and not waiting.done() and commits.answered_at_commit == []
        service.poll(KEY_A, earlier)  # an operation: it starts on written ground
        assert commits.answered_at_commit == [0]
        assert job.id in {job_id for (job_id,) in rows(path, "SELECT id FROM jobs")}
        assert await waiting is None

    asyncio.run(scenario())
    mock.stop()
