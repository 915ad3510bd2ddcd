"""The journal's two tables: each at most `--journal-size` rows, filled in turn; a restart reads
the newest entries from both, and a rotation is all of one transaction or none of it."""

from __future__ import annotations

import shutil
from pathlib import Path

from mockserver import VirtualClock
from mockserver.control.controller import OPERATOR
from mockserver.persistence.schema import SCHEMA_VERSION
from tests.persistence.helpers import Disk, Mock, rows

RELEASE_3 = Path(__file__).parent / "data" / "release-3.db"  # schema 3: one journal table, 9 rows kept of 5


def _seqs(path: Path, table: str) -> list[int]:
    return [seq for (seq,) in rows(path, f"SELECT seq FROM {table} ORDER BY seq")]


def _journal(mock: Mock) -> list[int]:
    return [entry["seq"] for entry in mock.control.journal(OPERATOR, limit=100)["entries"]]


def test_the_tables_take_turns_and_a_restart_reads_the_newest_from_both(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    mock = Mock(path, scenario="fast", journal_size=5)
    job_id = mock.job_id()  # entry 1
    for _ in range(11):  # entries 2-12
        assert mock.poll(job_id).status_code == 200
    mock.state_file.flush()
    # 1-5 filled the first table, 6-10 the second, then the first was emptied for 11-12.
    assert (_seqs(path, "journal"), _seqs(path, "journal_b")) == ([11, 12], [6, 7, 8, 9, 10])
    mock.stop()
    again = Mock(path, scenario="fast", journal_size=5)
    assert _journal(again) == [8, 9, 10, 11, 12]
    for _ in range(4):  # 13-16: the newer table fills up (13-15), then the older takes 16
        assert again.poll(job_id).status_code == 200
    again.state_file.flush()
    assert (_seqs(path, "journal"), _seqs(path, "journal_b")) == ([11, 12, 13, 14, 15], [16])
    again.stop()
    assert _journal(last := Mock(path, journal_size=5)) == [12, 13, 14, 15, 16]
    last.stop()


def test_a_rotation_that_cannot_be_written_leaves_both_tables_as_they_were(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    mock = Mock(path, scenario="fast", journal_size=3)
    job_id = mock.job_id()
    for _ in range(5):  # entries 2-6: the first table full, the second too
        mock.poll(job_id)
    mock.state_file.flush()
    disk = Disk(mock.state_file)
    disk.fail_on = "DELETE FROM journal"
    mock.poll(job_id)  # entry 7 would empty the first table
    mock.state_file.flush()  # fails: bookkeeping is dropped, the transaction rolled back
    assert disk.failed == 1
    assert (_seqs(path, "journal"), _seqs(path, "journal_b")) == ([1, 2, 3], [4, 5, 6])
    disk.fail_on = None
    mock.poll(job_id)  # entry 8: the rotation happens now
    mock.state_file.flush()
    assert (_seqs(path, "journal"), _seqs(path, "journal_b")) == ([8], [4, 5, 6])
    mock.stop()


def test_a_reset_empties_both_tables_and_the_first_fills_again(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    mock = Mock(path, scenario="fast", journal_size=2)
    job_id = mock.job_id()
    for _ in range(3):
        mock.poll(job_id)
    mock.state_file.flush()
    assert _seqs(path, "journal_b") == [3, 4]
    mock.control.reset(OPERATOR)
    mock.job_id()
    mock.state_file.flush()
    assert (_seqs(path, "journal"), _seqs(path, "journal_b")) == ([5], [])  # seqs go on after a reset
    mock.stop()


def test_a_file_of_schema_3_gains_the_second_table_and_keeps_its_journal(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    shutil.copy(RELEASE_3, path)
    mock = Mock(path, clock=VirtualClock(1790000100.0), scenario="fast", journal_size=5)
    assert _journal(mock) == [5, 6, 7, 8, 9]  # the newest 5 of the 9 rows it had
    job_id = "gen-vid-1790000000-Hd0hihPRt61KMyitSztc"
    assert mock.poll(job_id).json()["status"] == "completed"  # entry 10: the first table holds 9, so the second
    mock.stop()
    assert rows(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert (_seqs(path, "journal"), _seqs(path, "journal_b")) == (list(range(1, 10)), [10])


def test_an_entry_with_headers_comes_back_with_them_and_one_without_with_none(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    mock = Mock(path, scenario="rate-limited")
    assert mock.submit().status_code == 429  # Retry-After kept with the entry
    assert mock.http.get("/videos/models").status_code == 200  # no headers kept
    before = mock.control.journal(OPERATOR)["entries"]
    mock.stop()
    again = Mock(path, scenario="rate-limited")
    after = again.control.journal(OPERATOR)["entries"]
    assert after == before
    assert {e["status"]: bool(e["headers"]) for e in after} == {429: True, 200: False}
    again.stop()
