"""The load side of a state file: its rows read back into domain objects (`Restored`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from mockserver.domain.jobs import Job
from mockserver.domain.journal import Entry
from mockserver.domain.ledger import LedgerEntry
from mockserver.domain.store import TenantState
from mockserver.persistence._errors import StateFileError
from mockserver.persistence._journal_tables import newest_first
from mockserver.persistence.rows import (
    EDITED,
    JOB_COLUMNS,
    JOURNAL_COLUMNS,
    LEDGER_COLUMNS,
    Shared,
    decoded,
    entry_from_values,
    job_from_values,
    ledger_from_values,
)
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
    from mockserver.persistence._json_rows import delivery_from_row  # deliveries stay documents

    shared = Shared()
    restored.jobs = _columns(db, path, "jobs", JOB_COLUMNS, "", lambda row: job_from_values(row, shared))
    for key, scenario, disabled in db.execute("SELECT key, scenario, disabled FROM tenants"):
        restored.tenants[key] = TenantState(scenario, bool(disabled))
    restored.counts = {(s, o): v for s, o, v in db.execute("SELECT scope, operation, value FROM counts")}
    ledger = _columns(db, path, "ledger", LEDGER_COLUMNS, "ORDER BY seq", lambda row: ledger_from_values(row, shared))
    restored.ledger = ledger
    for key, balance, net in db.execute("SELECT key, balance, net FROM ledger_carry"):
        restored.carried[key] = (None if balance is None else Decimal(balance), Decimal(net))
    journal: list[Entry] = []
    for table in newest_first(db):  # the newer table's rows, then the older's, up to `journal_size`
        newest = f"ORDER BY seq DESC LIMIT {int(journal_size) - len(journal)}"
        journal += _columns(db, path, table, JOURNAL_COLUMNS, newest, lambda row: entry_from_values(row, shared))
    journal.reverse()
    restored.journal = journal
    rows = db.execute("SELECT id, data FROM deliveries ORDER BY id")
    restored.deliveries = decoded(path, "deliveries", rows, delivery_from_row)


def _columns(
    db: sqlite3.Connection,
    path: Path,
    table: str,
    columns: dict[str, tuple[str, ...]],
    order: str,
    decode: Callable[[tuple[Any, ...]], _T],
) -> list[_T]:
    """A table's rows, decoded; first, one query (in SQLite) for a number column holding text.

    Only number columns are checked: a TEXT column turns any number written to it into text,
    and NOT NULL keeps nulls out, so what they hold is text (or a blob, which decoding refuses
    where it matters); a number column keeps text that is not a number as it is.
    """
    names = ", ".join(columns)
    numbers = {name: kinds for name, kinds in columns.items() if "text" not in kinds}
    wrong = " OR ".join(f"typeof({name}) NOT IN ({', '.join(map(repr, kinds))})" for name, kinds in numbers.items())
    row = db.execute(f"SELECT {names} FROM {table} WHERE {wrong} LIMIT 1").fetchone()  # fixed names, not input
    if row is not None:
        name, value = next((n, v) for (n, kinds), v in zip(columns.items(), row, strict=True) if _kind(v) not in kinds)
        raise StateFileError(f"state file {path}: {table} row {row[0]!r}: {name} holds a {_kind(value)} {EDITED}")
    return decoded(path, table, ((row[0], row) for row in db.execute(f"SELECT {names} FROM {table} {order}")), decode)


def _kind(value: object) -> str:
    return {int: "integer", float: "real", str: "text", bytes: "blob"}.get(type(value), "null")
