"""Schema 2 to 3: the job, ledger and journal documents rewritten as columns (`rows`), and the
newest entry folded into each key's `ledger_carry` row noted (`seq`).

Run inside the migration's transaction: a document this mock cannot read refuses the file,
naming its row, and leaves it as it was.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mockserver.persistence._json_rows import entry_from_row, job_from_row, ledger_from_row
from mockserver.persistence.rows import (
    JOB_COLUMNS,
    JOURNAL_COLUMNS,
    LEDGER_COLUMNS,
    decoded,
    entry_values,
    job_values,
    ledger_values,
    table_sql,
)

__all__ = ["to_columns"]

_TABLES: tuple[tuple[str, dict[str, tuple[str, ...]], Callable[[Any], Any], Callable[[Any], tuple[Any, ...]]], ...] = (
    ("jobs", JOB_COLUMNS, job_from_row, job_values),
    ("ledger", LEDGER_COLUMNS, ledger_from_row, ledger_values),
    ("journal", JOURNAL_COLUMNS, entry_from_row, entry_values),
)


def to_columns(db: sqlite3.Connection, path: Path) -> None:
    # A key's carry row notes its newest entry folded in: unlimited keys beyond the bound are
    # forgotten least recent first (`_bounds`). Rows of older files count as the oldest.
    db.execute("ALTER TABLE ledger_carry ADD COLUMN seq INTEGER NOT NULL DEFAULT 0")
    for table, columns, read, values in _TABLES:  # fixed names, not input
        key = next(iter(columns))
        documents = db.execute(f"SELECT {key}, data FROM {table}").fetchall()
        kept = decoded(path, table, documents, read)
        db.execute(f"DROP TABLE {table}")
        db.execute(table_sql(table, columns))
        db.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(columns))})", map(values, kept))
