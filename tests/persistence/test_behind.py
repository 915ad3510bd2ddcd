"""A served mock's journal rows are written by a thread behind its requests (`_behind`): the
caller's commits leave them, that thread writes them, and nothing waiting is lost at a stop."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from mockserver.persistence._behind import Behind
from tests.persistence.helpers import Disk, Mock, rows


class _Idle:
    """A thread behind that never runs: what waits for it stays queued, and its wakes are counted."""

    def __init__(self) -> None:
        self.wakes = 0

    def wake(self) -> None:
        self.wakes += 1

    def close(self) -> None:
        pass


def _journal_rows(path: Path) -> int:
    return sum(rows(path, f"SELECT COUNT(*) FROM {table}")[0][0] for table in ("journal", "journal_b"))


def _idle(mock: Mock) -> _Idle:
    idle = _Idle()
    setattr(mock.state_file, "_behind", idle)  # noqa: B010 - the test's stand-in for the thread
    return idle


def test_the_callers_commits_and_ticks_leave_journal_rows_to_the_thread_behind(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    mock = Mock(path, scenario="fast")
    idle = _idle(mock)
    job_id = mock.job_id()  # its commit: the job, not its journal row
    mock.clock.advance(60)
    for _ in range(3):
        assert mock.poll(job_id).status_code == 200
    assert rows(path, "SELECT COUNT(*) FROM jobs") == [(1,)]
    assert _journal_rows(path) == 0
    mock.state_file.tick()  # the counts are written here, the rows are the thread's
    assert idle.wakes == 1
    assert rows(path, "SELECT polls FROM jobs") == [(3,)]
    assert _journal_rows(path) == 0
    mock.state_file.flush()  # a journal read, a stop: everything, now, on the caller
    assert _journal_rows(path) == 4
    mock.stop()


def test_a_group_of_rows_wakes_the_thread_once(tmp_path: Path) -> None:
    mock = Mock(tmp_path / "state.db", scenario="fast")
    idle = _idle(mock)
    job_id = mock.job_id()
    for _ in range(1100):
        mock.poll(job_id)
    assert idle.wakes == 1  # at the 1,024th row, not at each one after it
    mock.stop()


def test_the_thread_behind_keeps_a_short_batch_it_could_not_write_and_drops_a_full_one(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    mock = Mock(path, scenario="fast")
    _idle(mock)
    job_id = mock.job_id()
    for _ in range(4):
        mock.poll(job_id)
    disk = Disk(mock.state_file)
    disk.full = True
    mock.state_file._write_journal()  # the thread's turn, on a full disk: 5 rows, kept
    assert disk.failed == 1
    disk.full = False
    mock.state_file._write_journal()
    assert _journal_rows(path) == 5
    for _ in range(1030):
        mock.poll(job_id)
    disk.full = True
    mock.state_file._write_journal()  # a full group: bookkeeping, dropped (the answers were given)
    disk.full = False
    mock.state_file.flush()
    assert _journal_rows(path) == 5
    mock.stop()


def test_the_running_thread_writes_the_rows_and_a_stop_writes_what_is_left(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    mock = Mock(path, scenario="fast")
    state_file = mock.state_file
    written = threading.Event()
    writers: list[int] = []
    write = state_file._write_journal

    def watched() -> None:
        write()
        writers.append(threading.get_ident())
        written.set()

    setattr(state_file, "_write_journal", watched)  # noqa: B010 - the turn the thread will call
    state_file.write_behind()
    job_id = mock.job_id()
    for _ in range(1100):
        mock.poll(job_id)
    assert written.wait(10)
    assert writers[0] != threading.get_ident()
    assert _journal_rows(path) >= 1024  # written with no flush of the caller's
    mock.stop()
    assert _journal_rows(path) == 1101


def test_an_unexpected_error_in_a_turn_is_logged_once_and_the_thread_lives_on(caplog: pytest.LogCaptureFixture) -> None:
    first, second = threading.Event(), threading.Event()

    def write() -> None:
        if not first.is_set():
            first.set()  # the thread has cleared its wake before this turn: a wake now is another turn
            raise RuntimeError("a bug")
        second.set()

    behind = Behind(write)
    with caplog.at_level(logging.ERROR, logger="mockserver"):
        behind.wake()
        assert first.wait(10)
        behind.wake()
        assert second.wait(10)
    behind.close()
    assert [record.message for record in caplog.records] == ["unexpected error writing journal rows"]
