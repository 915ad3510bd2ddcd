"""One operation, one transaction; a failing disk never costs a balance, a refund or a webhook."""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mockserver.control.controller import OPERATOR
from mockserver.domain.jobs import JobStatus, Phase
from tests.mockserver.helpers import assert_envelope
from tests.persistence.helpers import KEY_A, Disk, Mock, rows

HOOK = "http://127.0.0.1:9/hook"


def test_a_submit_the_disk_refuses_answers_500_and_charges_nothing_and_the_server_recovers(tmp_path: Path) -> None:
    mock = Mock(tmp_path / "state.db", credits=Decimal("10"))
    disk = Disk(mock.state_file)
    disk.full = True
    for _ in range(3):
        error = assert_envelope(mock.submit(), 500)
        assert "not created and nothing was charged" in error["message"]
    assert mock.balance() == Decimal("10") and mock.job_ids() == []
    disk.full = False
    job_id = mock.job_id()
    charged = mock.balance()
    assert charged is not None and charged < Decimal("10")
    assert mock.job_ids() == [job_id]
    mock.stop()
    restarted = Mock(tmp_path / "state.db", credits=Decimal("10"))
    assert (restarted.balance(), restarted.job_ids()) == (charged, [job_id])
    restarted.stop()


def test_the_journal_write_after_the_answer_never_escapes_into_the_server(tmp_path: Path) -> None:
    mock = Mock(tmp_path / "state.db")
    Disk(mock.state_file).full = True
    # Before: the journal row's sqlite3.OperationalError left the ASGI app after the answer.
    assert mock.http.get("/videos/models", headers={"Authorization": f"Bearer {KEY_A}"}).status_code == 200
    assert mock.control.errors == []
    mock.stop()


def test_failures_log_one_line_per_kind_and_one_on_recovery(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    mock = Mock(tmp_path / "state.db")
    disk = Disk(mock.state_file)
    disk.full = True
    with caplog.at_level(logging.WARNING, logger="mockserver"):
        for _ in range(20):
            mock.submit()
        assert disk.failed >= 20
        disk.full = False
        mock.job_id()
    lines = [record.getMessage() for record in caplog.records]
    assert len([line for line in lines if "writes fail" in line]) == 1, lines
    assert len([line for line in lines if "writes work again" in line]) == 1, lines
    assert not any(record.exc_info for record in caplog.records)
    mock.stop()


def test_a_transition_whose_write_failed_keeps_its_refund_and_webhook_for_the_next_write(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    config: dict[str, Any] = {"credits": Decimal("10"), "webhook_allow_http_loopback": True}
    mock = Mock(path, **config)
    job_id = mock.job_id(scenario="slow-then-fail", callback_url=HOOK)
    charged = mock.balance()
    disk = Disk(mock.state_file)
    disk.full = True
    mock.clock.advance(3600)
    assert mock.poll(job_id).json()["status"] == "failed"  # memory moved on; the file could not
    assert mock.balance() == Decimal("10")
    disk.full = False
    mock.job_id()  # the next write carries the transition's too
    balance = mock.balance()
    mock.stop()
    restarted = Mock(path, **config)
    assert restarted.balance() == balance == charged  # the first job's charge came back, the second's stands
    assert [d["job_id"] for d in restarted.control.deliveries(OPERATOR)] == [job_id]
    refunds = rows(path, "SELECT seq FROM ledger WHERE kind = 'refund'")
    assert len(refunds) == 1
    restarted.stop()


def test_a_submit_broken_between_its_charge_and_its_job_leaves_neither(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    mock = Mock(path, credits=Decimal("10"))
    disk = Disk(mock.state_file)
    disk.fail_on = "INTO jobs"  # the charge's row went in; the transaction dies at the job's
    assert_envelope(mock.submit(), 500)
    disk.fail_on = None
    mock.stop()
    assert rows(path, "SELECT COUNT(*) FROM ledger") == [(0,)]
    assert rows(path, "SELECT COUNT(*) FROM jobs") == [(0,)]
    restarted = Mock(path, credits=Decimal("10"))
    assert restarted.balance() == Decimal("10")
    restarted.stop()


def test_a_transition_broken_between_its_job_row_and_its_refund_is_redone_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    config: dict[str, Any] = {"credits": Decimal("10"), "webhook_allow_http_loopback": True}
    mock = Mock(path, **config)
    job_id = mock.job_id(scenario="slow-then-fail", callback_url=HOOK)
    disk = Disk(mock.state_file)
    disk.fail_on = "INTO ledger"  # the terminal job row went in; the refund's write fails
    mock.clock.advance(3600)
    assert mock.poll(job_id).json()["status"] == "failed"
    mock.stop()  # killed before any later write: nothing of the transition reached the file
    restarted = Mock(path, clock=mock.clock, **config)
    assert restarted.poll(job_id).json()["status"] == "failed"
    assert restarted.balance() == Decimal("10")
    assert len(restarted.control.deliveries(OPERATOR)) == 1
    restarted.stop()


def test_writes_queued_by_failed_commits_keep_their_order_a_move_after_the_row_it_moves(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    mock = Mock(path)
    job = mock.control.stored(mock.job_id())
    assert job is not None
    disk = Disk(mock.state_file)
    disk.full = True
    forced = job._replace(timeline=(*job.timeline[:1], Phase(JobStatus.FAILED, error="forced")))
    mock.state_file.job(forced)  # a whole row with a timeline of its own: queued by the failed commit
    mock.state_file.moved(forced._replace(phase=1, entered_at=job.created_at + 1))  # then its move
    disk.full = False
    mock.state_file.set_meta("any", 1)  # the next commit carries both, in the order they were made
    mock.stop()
    restarted = Mock(path)
    kept = restarted.control.stored(job.id)
    assert kept is not None and (kept.timeline, kept.phase) == (forced.timeline, 1)
    restarted.stop()
