"""A read that changes nothing writes nothing: what only counts (a poll or a download of a job that
did not move, a fault counter) waits for the next commit, and a `kill -9` loses only that."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from mockserver.persistence.state_file import StateFile
from tests.persistence.helpers import Connection, Mock, rows


class Commits(Connection):
    """Counts the transactions a state file commits."""

    def __init__(self, state_file: StateFile) -> None:
        super().__init__(state_file)
        self.count = 0

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        self.count += sql == "COMMIT"
        return self._db.execute(sql, params)


def _killed(path: Path, snapshot: Path) -> Path:
    """The file as a `kill -9` at this instant would leave it: what was committed, nothing more."""
    with sqlite3.connect(path) as live, sqlite3.connect(snapshot) as copy:
        live.backup(copy)
    return snapshot


def _polls(path: Path, job_id: str) -> tuple[int, int]:
    ((polls, phase),) = rows(path, "SELECT polls, phase FROM jobs WHERE id = ?", job_id)
    return polls, phase


def test_polls_of_a_finished_job_commit_nothing_and_go_with_the_next_flush(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    mock = Mock(path, scenario="fast")
    job_id = mock.job_id()
    mock.clock.advance(3600)
    assert mock.poll(job_id).json()["status"] == "completed"  # moved: committed at once
    commits = Commits(mock.state_file)
    for _ in range(10):
        assert mock.poll(job_id).status_code == 200
    assert commits.count == 0
    assert _polls(_killed(path, tmp_path / "killed.db"), job_id) == (1, 2)  # a kill -9 now: 10 polls lost
    mock.state_file.flush()  # the server's every 100 ms, or a journal read
    assert commits.count == 1
    assert _polls(path, job_id) == (11, 2)
    mock.stop()


def test_counted_polls_go_with_the_next_operation_and_a_move_is_committed_before_its_answer(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    mock = Mock(path, scenario="observed")  # pending for four polls, then completed
    job_id = mock.job_id()
    commits = Commits(mock.state_file)
    for _ in range(4):
        assert mock.poll(job_id).json()["status"] == "pending"
    assert commits.count == 0
    other = mock.job_id()  # its transaction carries the counts waiting
    assert commits.count == 1 and _polls(path, job_id) == (4, 0)
    assert mock.poll(job_id).json()["status"] == "completed"
    assert commits.count == 2  # the poll that moved the job: committed before it was answered
    assert _polls(_killed(path, tmp_path / "killed.db"), job_id) == (5, 1)
    assert other in {job_id for (job_id,) in rows(path, "SELECT id FROM jobs")}
    mock.stop()


def test_a_kill_loses_the_counts_waiting_and_the_restart_counts_on_from_the_last_written(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    mock = Mock(path, scenario="observed")
    job_id = mock.job_id()
    mock.poll(job_id)
    mock.state_file.flush()
    mock.poll(job_id)  # counted in memory only when the process dies
    killed = _killed(path, tmp_path / "killed.db")
    mock.stop()
    restarted = Mock(killed, clock=mock.clock, scenario="observed")
    # One poll was lost: the phase that ends after four polls needs three more, not two.
    assert [restarted.poll(job_id).json()["status"] for _ in range(4)] == ["pending"] * 3 + ["completed"]
    restarted.stop()


def test_fault_counters_wait_too_and_a_retired_job_still_takes_them_along(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    mock = Mock(path, scenario="rate-limited-poll", max_jobs=1)
    job_id = mock.job_id()
    commits = Commits(mock.state_file)
    assert 429 in [mock.poll(job_id).status_code for _ in range(4)]  # every 2nd poll: counted
    assert commits.count == 0 and rows(path, "SELECT value FROM counts") == []
    mock.state_file.flush()
    assert rows(path, "SELECT scope, operation FROM counts") == [(job_id, "poll")]
    mock.clock.advance(3600)
    mock.poll(job_id)  # completed, and counted (waiting) ...
    mock.job_id()  # ... when the next submit retires it: its counters go, none comes back
    mock.state_file.flush()
    assert rows(path, "SELECT scope FROM counts WHERE scope = ?", job_id) == []
    mock.stop()


def test_each_jobs_newest_counts_are_written_and_a_retired_job_is_not_brought_back(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    mock = Mock(path, scenario="fast", max_jobs=2)
    first, second = mock.job_id(), mock.job_id()
    mock.clock.advance(3600)
    for job_id, polls in ((first, 3), (second, 5)):
        for _ in range(polls):
            assert mock.poll(job_id).json()["status"] == "completed"  # the first moves it, the rest count
    mock.state_file.flush()
    assert (_polls(path, first), _polls(path, second)) == ((3, 2), (5, 2))
    mock.poll(first)  # counted, waiting ...
    third = mock.job_id()  # ... when this submit retires it (the oldest of two): its row goes, for good
    mock.state_file.flush()
    assert {job_id for (job_id,) in rows(path, "SELECT id FROM jobs")} == {second, third}
    mock.stop()
