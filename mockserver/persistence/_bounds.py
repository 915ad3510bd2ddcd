"""What keeps a state file's tables within their bounds: the writes of one trim."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from typing import Any

__all__ = ["Write", "trim_writes"]

Write = tuple[str, tuple[Any, ...]]


def trim_writes(db: sqlite3.Connection, journal_size: int, deliveries_kept: int, ledger_history: int) -> list[Write]:
    """The journal down to `journal_size` rows, finished deliveries to about `deliveries_kept`,
    and ledger rows older than the newest `ledger_history` folded into each key's carry row."""
    newest = db.execute("SELECT MAX(seq) FROM journal").fetchone()[0] or 0
    writes: list[Write] = [("DELETE FROM journal WHERE seq <= ?", (newest - journal_size,))]
    newest = db.execute("SELECT MAX(id) FROM deliveries").fetchone()[0] or 0
    sql = "DELETE FROM deliveries WHERE id <= ? AND json_extract(data, '$.state') != 'pending'"
    writes.append((sql, (newest - deliveries_kept,)))
    return writes + _ledger_summary(db, ledger_history)


def _ledger_summary(db: sqlite3.Connection, ledger_history: int) -> list[Write]:
    cut = (db.execute("SELECT MAX(seq) FROM ledger").fetchone()[0] or 0) - ledger_history
    folded: dict[str, tuple[str | None, Decimal]] = {}
    rows = db.execute("SELECT tenant, kind, amount, balance FROM ledger WHERE seq <= ? ORDER BY seq", (cut,))
    for tenant, kind, amount, balance in rows:
        _balance, net = folded.get(tenant, (None, Decimal(0)))
        folded[tenant] = (balance, net + Decimal(amount) if kind != "set" else net)
    writes: list[Write] = []
    for key, (balance, net) in folded.items():
        row = db.execute("SELECT net FROM ledger_carry WHERE key = ?", (key,)).fetchone()
        total = net + (Decimal(row[0]) if row else 0)
        carry = (key, balance, str(total))  # the balance as the newest folded row holds it
        writes.append(("INSERT OR REPLACE INTO ledger_carry VALUES (?, ?, ?)", carry))
    if folded:
        writes.append(("DELETE FROM ledger WHERE seq <= ?", (cut,)))
    return writes
