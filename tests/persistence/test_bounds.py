"""Everything a long run accumulates is bounded: fault counters, deliveries, the ledger table."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from mockserver import new_api_key
from mockserver.control.controller import OPERATOR
from mockserver.domain import ledger, store
from mockserver.domain.ledger import Ledger
from mockserver.persistence.state_file import StateFile
from tests.mockserver.hooks import Hooks
from tests.persistence.helpers import KEY_A, KEY_B, Mock, rows


def test_a_retired_job_takes_its_fault_counters_with_it(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    mock = Mock(path, max_jobs=5, scenario="flaky-poll")
    for _ in range(40):
        job_id = mock.job_id()
        mock.poll(job_id)
        mock.clock.advance(3600)
        mock.poll(job_id)
    kept = set(mock.job_ids())
    scopes = {scope for (scope,) in rows(path, "SELECT scope FROM counts")}
    assert scopes <= kept and len(kept) <= 6
    assert len(mock.control.stored_jobs()) == len(kept)
    mock.stop()


def test_finished_webhook_deliveries_are_pruned_to_max_jobs(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    hooks = Hooks("fast", state_path=str(path), max_jobs=16)
    for _ in range(100):
        hooks.job_id()
        assert hooks.run(3600) == 1  # the job ends and its delivery goes out
    assert 0 < len(hooks.control.delivery_records()) <= 16 + 1
    hooks.close()
    hooks.app.close()
    assert rows(path, "SELECT COUNT(*) FROM deliveries")[0][0] <= 16 + 500


def test_the_ledger_table_is_summarised_and_balances_survive_it(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    state_file = StateFile(path, ledger_history=20)
    ledger = Ledger(Decimal("100"), on_entry=state_file.ledger)
    for n in range(1200):
        key = KEY_A if n % 3 else KEY_B
        ledger.charge(key, f"job{n}", Decimal("0.05"), float(n))
        if n % 7 == 0:
            ledger.refund(key, f"job{n}", Decimal("0.05"), float(n))
    ledger.set_balance(KEY_B, Decimal("3"), 2000.0)
    state_file.close()
    assert rows(path, "SELECT COUNT(*) FROM ledger")[0][0] <= 20 + 500
    reopened = StateFile(path, ledger_history=20)
    restored = reopened.load()
    again = Ledger(Decimal("100"))
    again.restore(restored.ledger, restored.carried)
    for key in (KEY_A, KEY_B):
        assert (again.balance(key), again.spent(key)) == (ledger.balance(key), ledger.spent(key))
    reopened.close()


def test_keys_seen_once_are_forgotten_least_recent_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "MAX_COUNTED_KEYS", 5)
    monkeypatch.setattr(ledger, "MAX_UNLIMITED_KEYS", 5)
    path = tmp_path / "state.db"
    mock = Mock(path, scenario="rate-limited")
    keys = [new_api_key(f"once-{n}") for n in range(12)]
    for key in keys:
        refused = mock.submit(key)
        assert refused.status_code == 429
        mock.clock.advance(float(refused.headers["retry-after"]))  # waited as told: the retry gets in
        assert mock.submit(key).status_code == 202
    assert mock.control.key(OPERATOR, keys[-1])["spent"] != "0"
    assert mock.control.key(OPERATOR, keys[0])["spent"] == "0"  # forgotten: an unlimited key's spend
    assert mock.submit(keys[0]).status_code == 429  # its fault counter starts over
    assert mock.submit(keys[-1]).status_code == 202  # a recent key's does not
    assert len({scope for (scope,) in rows(path, "SELECT scope FROM counts")}) <= 5
    mock.stop()


def test_the_ledger_summary_keeps_the_newest_unlimited_keys_and_every_key_with_a_balance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledger, "MAX_UNLIMITED_KEYS", 5)
    path = tmp_path / "state.db"
    state_file = StateFile(path, ledger_history=10)
    book = Ledger(None, on_entry=state_file.ledger)
    book.set_balance(KEY_B, Decimal("100"), 0.0)
    keys = [new_api_key(f"once-{n}") for n in range(60)]
    for n in range(1200):  # a new key every 20 charges: past the bound, over a few trims
        book.charge(keys[n // 20], f"job{n}", Decimal("0.05"), float(n))
        if n % 300 == 0:
            book.charge(KEY_B, f"b{n}", Decimal("0.01"), float(n))
    state_file.close()
    carried = dict(rows(path, "SELECT key, balance FROM ledger_carry"))
    unlimited = [key for key, balance in carried.items() if balance is None]
    assert 0 < len(unlimited) <= 5 and set(unlimited) <= set(keys[-20:])  # the newest folded (trims every 500 writes)
    assert carried[KEY_B] is not None  # a key with a balance is never forgotten
