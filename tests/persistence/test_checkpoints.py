"""WAL checkpoints are the checkpoint thread's, never a request's commit; the WAL stays bounded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mockserver.persistence._checkpoints import Checkpoints
from mockserver.persistence.state_file import StateFile
from tests.persistence.helpers import Mock


def _by_hand(state_file: StateFile, limit: int) -> Checkpoints:
    """The state file's checkpoints without their thread: the test takes the thread's turns."""
    state_file._checkpoints.close()
    checkpoints = state_file._checkpoints = Checkpoints(state_file.path, limit)
    return checkpoints


def _wal_frames(path: Path) -> int:
    """Frames the WAL holds now (a PASSIVE checkpoint of nothing new says so without copying)."""
    with sqlite3.connect(path) as db:
        frames: int = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    return frames


def _overdue(checkpoints: Checkpoints) -> bool:
    return checkpoints.overdue  # read afresh: the writer clears it


def _wal_bytes(path: Path) -> int:
    return path.with_name(path.name + "-wal").stat().st_size


def test_commits_never_copy_the_wal_back_and_the_thread_does(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    mock = Mock(path)
    checkpoints = _by_hand(mock.state_file, limit=10_000)
    size = path.stat().st_size
    for _ in range(300):  # SQLite's own checkpoint would have run after about 1,000 pages
        mock.job_id()
    assert path.stat().st_size == size  # every page committed is still only in the WAL
    checkpoints.step()
    assert path.stat().st_size > size
    mock.job_id()  # the first commit after a checkpoint that copied it all starts the WAL over
    assert _wal_frames(path) < 20
    checkpoints.close()
    mock.stop()


def test_under_a_flood_the_wal_past_its_bound_is_copied_by_the_writer_and_cut_back(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    limit = 64
    mock = Mock(path)
    state_file = mock.state_file
    state_file._db.execute(f"PRAGMA journal_size_limit = {limit * 4096}")
    checkpoints = _by_hand(state_file, limit)
    for _ in range(100):
        mock.job_id()
    # A flood: commits keep coming while the thread checkpoints, so it never copies the newest
    # (here a reader's snapshot holds it back, as a checkpoint's own start would).
    reader = sqlite3.connect(path)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM jobs").fetchone()
    mock.job_id()
    checkpoints.step()
    reader.close()
    assert _overdue(checkpoints)
    grown = _wal_bytes(path)
    assert grown > limit * 4096
    mock.job_id()  # the WAL cannot start over (not all copied): this commit's writer copies the rest
    assert not _overdue(checkpoints)
    mock.job_id()  # ... so the next one starts it over, cut back to the bound
    assert _wal_bytes(path) <= limit * 4096 < grown
    checkpoints.close()
    mock.stop()
