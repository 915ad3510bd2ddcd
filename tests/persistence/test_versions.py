"""State files of other versions: the previous release's load; anything else is refused in one line."""

from __future__ import annotations

import json
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from mockserver import VirtualClock
from mockserver.cli import main
from mockserver.control.controller import OPERATOR
from mockserver.persistence.schema import SCHEMA_VERSION, StateFileError
from mockserver.persistence.state_file import StateFile
from tests.persistence.helpers import KEY_A, KEY_B, Mock, rows

RELEASE_0 = Path(__file__).parent / "data" / "release-0.db"  # written by the release before schema versions
RELEASE_1 = Path(__file__).parent / "data" / "release-1.db"  # schema 1: before `tenants.disabled`
RELEASE_2 = Path(__file__).parent / "data" / "release-2.db"  # schema 2: rows as JSON documents


@pytest.fixture
def old_file(tmp_path: Path) -> Path:
    path = tmp_path / "state.db"
    shutil.copy(RELEASE_0, path)
    return path


def test_a_file_of_the_previous_release_loads_and_is_upgraded(old_file: Path) -> None:
    mock = Mock(old_file, credits=Decimal("10"), webhook_allow_http_loopback=True)
    assert sorted(mock.job_ids()) == ["DCAfHzGYB8SAaRTmyIOa", "JTQSel2mV4niwgOc7lvy", "KeliFDFWf6N4dhSvsfgb"]
    assert mock.balance(KEY_A) == Decimal("9.76") and mock.balance(KEY_B) == Decimal("10")
    assert len(mock.control.deliveries(OPERATOR)) == 3
    assert mock.control.key(OPERATOR, KEY_B)["scenario"] == "fail"
    old_ids = set(mock.job_ids())
    assert mock.job_id() not in old_ids
    mock.stop()
    assert rows(old_file, "PRAGMA user_version") == [(SCHEMA_VERSION,)]


def test_a_file_of_schema_1_loads_its_2026_10_jobs_and_keeps_the_disabled_flag_from_then_on(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    shutil.copy(RELEASE_1, path)
    mock = Mock(path, clock=VirtualClock(1790000100.0), api_version="2026-10", webhook_allow_http_loopback=True)
    done, running = "gen-vid-1790000000-vJHvsWfkEVZsN4kWxuDL", "gen-vid-1790000010-c3z6qNSBDayVdJY3fsJH"
    assert sorted(mock.job_ids()) == [done, running]
    request = mock.control.stored(done).request  # type: ignore[union-attr]
    assert request["session_id"] == "session-in-body" and request["user"] == "end-user-1"
    assert request["trace"] == {"trace_id": "t-1", "span_name": "render", "extra": 1}
    assert mock.poll(done).json()["status"] == "completed"
    # Schema 1 never kept the flag: the key comes back enabled, its scenario setting intact.
    assert mock.control.key(OPERATOR, KEY_B)["scenario"] == "fail"
    assert "disabled" not in mock.control.key(OPERATOR, KEY_B)
    mock.control.update_key(OPERATOR, KEY_B, disabled=True)
    mock.stop()
    assert rows(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    again = Mock(path, clock=VirtualClock(1790000200.0), api_version="2026-10", webhook_allow_http_loopback=True)
    assert again.control.key(OPERATOR, KEY_B)["disabled"] is True
    assert again.submit(KEY_B).status_code == 403
    again.stop()


def test_a_file_of_schema_2_has_its_documents_rewritten_as_columns_and_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    shutil.copy(RELEASE_2, path)
    before = {table: rows(path, f"SELECT COUNT(*) FROM {table}")[0][0] for table in ("jobs", "ledger", "journal")}
    config: dict[str, object] = {"api_version": "2026-10", "webhook_allow_http_loopback": True}
    mock = Mock(path, clock=VirtualClock(1790000100.0), **config)
    done, running, limited = (
        "gen-vid-1790000000-Hd0hihPRt61KMyitSztc",
        *sorted(("gen-vid-1790000010-Bc9djuEblH7Gg3bKRRuD", "gen-vid-1790000010-CJ109gjQCSVYoBBq591V")),
    )
    assert sorted(mock.job_ids()) == [done, running, limited]
    request = mock.control.stored(done).request  # type: ignore[union-attr]
    assert (request["session_id"], request["user"]) == ("session-in-body", "end-user-1")
    header = mock.control.stored(running).request  # type: ignore[union-attr]
    assert header["session_id"] == "session-from-header"
    assert mock.poll(done).json()["status"] == "completed"
    key_b = mock.control.key(OPERATOR, KEY_B)
    assert (key_b["scenario"], key_b["disabled"]) == ("fail", True)
    key_a = mock.control.key(OPERATOR, KEY_A)
    assert (key_a["credits"], key_a["spent"]) == ("9.5", "0.3600000")  # the set balance; the carried spend
    journal = mock.control.journal(OPERATOR)["entries"]
    assert [e["headers"] for e in journal if e["status"] == 429] == [{"retry-after": "2"}] * 2
    assert journal[0]["answer"] == "pending" and journal[0]["job_id"] == done
    assert [d["job_id"] for d in mock.control.deliveries(OPERATOR)] == [done]
    mock.stop()
    assert rows(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert rows(path, "SELECT value FROM counts WHERE scope = ?", limited) == [(2,)]
    assert rows(path, "SELECT tenant, cost FROM jobs WHERE id = ?", done) == [(KEY_A, "0.1200000")]
    after = {table: rows(path, f"SELECT COUNT(*) FROM {table}")[0][0] for table in ("jobs", "ledger", "journal")}
    assert after["jobs"] == before["jobs"] and after["ledger"] == before["ledger"]
    assert after["journal"] > before["journal"]  # the rows it had, and this run's


def test_a_refused_file_is_left_as_it_was(old_file: Path) -> None:
    _corrupt(old_file, "UPDATE jobs SET data = '[]' WHERE id = 'JTQSel2mV4niwgOc7lvy'")
    assert "jobs row 'JTQSel2mV4niwgOc7lvy'" in _refusal(old_file)
    assert rows(old_file, "PRAGMA user_version") == [(0,)]
    assert len(rows(old_file, "SELECT data FROM jobs")) == 3  # still the documents, none rewritten


def _column_file(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "state.db"
    mock = Mock(path)
    job_id = mock.job_id()
    mock.stop()
    return path, job_id


def test_a_column_holding_the_wrong_type_is_refused_naming_the_row_and_the_column(tmp_path: Path) -> None:
    path, job_id = _column_file(tmp_path)
    _corrupt(path, "UPDATE jobs SET phase = 'second'")
    message = _refusal(path)
    assert f"jobs row {job_id!r}: phase holds a text" in message


def test_a_timeline_or_a_phase_no_job_can_have_is_refused(tmp_path: Path) -> None:
    path, job_id = _column_file(tmp_path)
    _corrupt(path, "UPDATE jobs SET timeline = '{\"pending\": 1}'")
    assert f"jobs row {job_id!r}: the job's timeline is not a list of phases" in _refusal(path)
    _corrupt(path, "UPDATE jobs SET timeline = '[[\"pending\"'")
    assert f"jobs row {job_id!r}: the job's timeline is not JSON" in _refusal(path)
    _corrupt(path, "UPDATE jobs SET timeline = '[[\"pending\"]]', phase = 1")
    assert "the job's phase is not in its timeline" in _refusal(path)
    _corrupt(path, "UPDATE jobs SET timeline = '[[\"sleeping\"]]', phase = 0")
    assert "the job has a value of the wrong kind" in _refusal(path)


def test_a_ledger_or_journal_row_no_entry_can_have_is_refused(tmp_path: Path) -> None:
    path, _job_id = _column_file(tmp_path)
    _corrupt(path, "UPDATE ledger SET kind = 'gift'")
    assert "ledger row 1: the ledger entry's kind 'gift' is not one this mock knows" in _refusal(path)
    _corrupt(path, "UPDATE ledger SET kind = 'charge', amount = 'a lot'")
    assert "ledger row 1: the ledger entry has a value of the wrong kind" in _refusal(path)
    _corrupt(path, "UPDATE ledger SET amount = '-0.12'")
    _corrupt(path, "UPDATE journal SET headers = '[1]'")
    assert "journal row 1: the journal entry's headers are not an object of strings" in _refusal(path)


def _corrupt(path: Path, sql: str, *params: object) -> None:
    with sqlite3.connect(path) as db:
        db.execute(sql, params)


def _refusal(path: Path) -> str:
    with pytest.raises(StateFileError) as refused:
        state = StateFile(path)  # a file of an older schema is refused here, while it is migrated
        try:
            state.load()
        finally:
            state.close()
    message = str(refused.value)
    assert str(path) in message and "\n" not in message and message.isprintable()
    return message


def test_a_row_with_a_field_this_mock_does_not_know_is_refused_by_name(old_file: Path) -> None:
    (data,) = rows(old_file, "SELECT data FROM jobs WHERE id = 'JTQSel2mV4niwgOc7lvy'")[0]
    _corrupt(
        old_file,
        "UPDATE jobs SET data = ? WHERE id = 'JTQSel2mV4niwgOc7lvy'",
        json.dumps({**json.loads(data), "colour": 1}),
    )
    message = _refusal(old_file)
    assert "jobs row 'JTQSel2mV4niwgOc7lvy'" in message and "'colour'" in message


def test_a_row_without_a_field_it_needs_is_refused_by_name(old_file: Path) -> None:
    (data,) = rows(old_file, "SELECT data FROM ledger ORDER BY seq LIMIT 1")[0]
    entry = json.loads(data)
    del entry["amount"]
    _corrupt(old_file, "UPDATE ledger SET data = ? WHERE seq = ?", json.dumps(entry), entry["seq"])
    assert "lacks the field 'amount'" in _refusal(old_file)


def test_a_row_that_is_not_json_is_refused(old_file: Path) -> None:
    _corrupt(old_file, "UPDATE deliveries SET data = ? WHERE id = 1", b"\x00\xff garbage")
    assert "deliveries row 1: the row is not JSON" in _refusal(old_file)


def test_a_row_with_a_value_of_the_wrong_kind_is_refused(old_file: Path) -> None:
    (data,) = rows(old_file, "SELECT data FROM jobs LIMIT 1")[0]
    _corrupt(old_file, "UPDATE jobs SET data = ?", json.dumps({**json.loads(data), "cost": "a lot"}))
    assert "wrong kind" in _refusal(old_file)


def test_random_bytes_are_refused_in_one_readable_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(bytes(range(256)) * 64)
    assert "not a mockserver state file" in _refusal_at_open(path)
    assert main(["--state", str(path), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.rstrip("\n").isprintable()


def test_another_programs_database_and_a_newer_schema_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    _corrupt(other, "CREATE TABLE photos (id INTEGER)")
    assert "not a mockserver state file (tables photos)" in _refusal_at_open(other)
    newer = tmp_path / "newer.db"
    StateFile(newer).close()
    _corrupt(newer, f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    assert "written by a newer mockserver" in _refusal_at_open(newer)


def _refusal_at_open(path: Path) -> str:
    with pytest.raises(StateFileError) as refused:
        StateFile(path)
    message = str(refused.value)
    assert str(path) in message and "\n" not in message and message.isprintable()
    return message
