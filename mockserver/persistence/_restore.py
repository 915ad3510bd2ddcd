"""The load side of a state file: its rows read back into domain objects (`Restored`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from mockserver.domain.jobs import Job
from mockserver.domain.journal import Entry
from mockserver.domain.ledger import LedgerEntry
from mockserver.domain.store import TenantState
from mockserver.persistence.rows import RowError, delivery_from_row, entry_from_row, job_from_row, ledger_from_row
from mockserver.persistence.schema import StateFileError
from mockserver.webhooks.delivery import Delivery

__all__ = ["Restored", "read_state"]

_T = TypeVar("_T")


class Restored:
    """What a state file held when the server started."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []
        self.tenants: dict[str, TenantState] = {}  # per-key settings: scenario, disabled
        self.counts: dict[tuple[str, str], int] = {}
        self.ledger: list[LedgerEntry] = []
        self.carried: dict[str, tuple[Decimal | None, Decimal]] = {}
        self.journal: list[Entry] = []
        self.deliveries: list[Delivery] = []
        self.epoch = 0


def read_state(db: sqlite3.Connection, path: Path, journal_size: int, restored: Restored) -> None:
    """Every table of the file at `path` into `restored` (the newest `journal_size` journal rows);
    a row this mock cannot read raises `StateFileError` naming it."""
    restored.jobs = _decoded(path, "jobs", db.execute("SELECT id, data FROM jobs"), job_from_row)
    for key, scenario, disabled in db.execute("SELECT key, scenario, disabled FROM tenants"):
        restored.tenants[key] = TenantState(scenario, bool(disabled))
    restored.counts = {(s, o): v for s, o, v in db.execute("SELECT scope, operation, value FROM counts")}
    restored.ledger = _decoded(path, "ledger", db.execute("SELECT seq, data FROM ledger"), ledger_from_row)
    for key, balance, net in db.execute("SELECT key, balance, net FROM ledger_carry"):
        restored.carried[key] = (None if balance is None else Decimal(balance), Decimal(net))
    rows = db.execute("SELECT seq, data FROM journal ORDER BY seq DESC LIMIT ?", (journal_size,))
    restored.journal = _decoded(path, "journal", reversed(rows.fetchall()), entry_from_row)
    rows = db.execute("SELECT id, data FROM deliveries ORDER BY id")
    restored.deliveries = _decoded(path, "deliveries", rows, delivery_from_row)


def _decoded(path: Path, table: str, rows: Iterable[tuple[Any, Any]], decode: Callable[[Any], _T]) -> list[_T]:
    decoded = []
    for key, data in rows:
        try:
            decoded.append(decode(data))
        except RowError as exc:
            raise StateFileError(
                f"state file {path}: {table} row {key!r}: {exc} (written by another mockserver version, or edited?)"
            ) from None
    return decoded
