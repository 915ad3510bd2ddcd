"""What keeps a state file's tables within their bounds: the writes of one trim."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

from mockserver.domain import ledger
from mockserver.persistence._statements import Write

__all__ = ["trim_writes"]


def trim_writes(db: sqlite3.Connection, deliveries_kept: int, ledger_history: int) -> list[Write]:
    """Finished deliveries down to about `deliveries_kept`, and ledger rows older than the newest
    `ledger_history` folded into each key's carry row. (The journal bounds itself:
    `_journal_tables`.)"""
    newest = db.execute("SELECT MAX(id) FROM deliveries").fetchone()[0] or 0
    sql = "DELETE FROM deliveries WHERE id <= ? AND json_extract(data, '$.state') != 'pending'"
    writes: list[Write] = [(sql, (newest - deliveries_kept,))]
    return writes + _ledger_summary(db, ledger_history)


def _ledger_summary(db: sqlite3.Connection, ledger_history: int) -> list[Write]:
    cut = (db.execute("SELECT MAX(seq) FROM ledger").fetchone()[0] or 0) - ledger_history
    folded: dict[str, tuple[str | None, Decimal, int]] = {}
    rows = db.execute("SELECT seq, tenant, kind, amount, balance FROM ledger WHERE seq <= ? ORDER BY seq", (cut,))
    for seq, tenant, kind, amount, balance in rows:
        _balance, net, _seq = folded.get(tenant, (None, Decimal(0), 0))
        folded[tenant] = (balance, net + Decimal(amount) if kind != "set" else net, seq)
    writes: list[Write] = []
    for key, (balance, net, seq) in folded.items():
        row = db.execute("SELECT net FROM ledger_carry WHERE key = ?", (key,)).fetchone()
        total = net + (Decimal(row[0]) if row else 0)
        carry = (key, balance, str(total), seq)  # the balance as the newest folded row holds it
        writes.append(("INSERT OR REPLACE INTO ledger_carry VALUES (?, ?, ?, ?)", carry))
    if folded:
        writes.append(("DELETE FROM ledger WHERE seq <= ?", (cut,)))
        writes += _forgotten_keys(db, len(folded))
    return writes


def _forgotten_keys(db: sqlite3.Connection, folded: int) -> list[Write]:
    """Keys with unlimited credits beyond the newest `MAX_UNLIMITED_KEYS` charged, as memory
    forgets them (a run with a new key per request must not grow the file); a key with a balance
    is never forgotten."""
    kept = ledger.MAX_UNLIMITED_KEYS
    (unlimited,) = db.execute("SELECT COUNT(*) FROM ledger_carry WHERE balance IS NULL").fetchone()
    if unlimited + folded <= kept:
        return []
    sql = (
        "DELETE FROM ledger_carry WHERE balance IS NULL AND key NOT IN"
        " (SELECT key FROM ledger_carry WHERE balance IS NULL ORDER BY seq DESC LIMIT ?)"
    )
    return [(sql, (kept,))]
