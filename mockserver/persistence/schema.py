"""Opening a state file: one owner (an OS lock), a schema version, migrations from older files.

The version is SQLite's `PRAGMA user_version`. The first release wrote none (0); each version
since has a migration from the one before, run in one transaction at startup.

Checkpoints (the WAL copied back into the file) are not the committing connection's: see
`_checkpoints`, which runs them on a thread of its own.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mockserver.persistence._errors import StateFileError

if TYPE_CHECKING:
    import sqlite3

    _Migration = str | Callable[[sqlite3.Connection, Path], None]  # SQL, or a step in Python

__all__ = ["SCHEMA_VERSION", "StateFileError", "lock", "open_database"]

SCHEMA_VERSION = 4

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tenants (key TEXT PRIMARY KEY, scenario TEXT);
CREATE TABLE IF NOT EXISTS counts (scope TEXT, operation TEXT, value INTEGER, PRIMARY KEY (scope, operation));
CREATE TABLE IF NOT EXISTS ledger (seq INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
"""
# Version 1: old ledger rows summarised per key (balance, and charges plus refunds as `net`).
_CARRY = "CREATE TABLE IF NOT EXISTS ledger_carry (key TEXT PRIMARY KEY, balance TEXT, net TEXT NOT NULL);"
# Version 2: a key's `disabled` flag (the control API's) is kept with its scenario setting.
_DISABLED = "ALTER TABLE tenants ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;"
# Version 3: jobs, ledger and journal rows as columns instead of JSON documents (`_to_columns`).
# Version 4: a second journal table; the two take turns (`_journal_tables`), nothing is copied.
_OURS = frozenset(("meta", "jobs", "tenants", "counts", "ledger", "journal", "journal_b", "deliveries", "ledger_carry"))


def lock(path: Path) -> int:
    """Hold the file for this process (released when the descriptor closes, or the process dies).

    `flock`, not SQLite's own locks: those guard one transaction, this guards the whole run, so
    a second server on the same file is refused instead of interleaving ids and balances.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StateFileError(f"state file {path}: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StateFileError(f"state file {path} is in use by another mockserver process") from None
    return fd


def open_database(path: Path) -> sqlite3.Connection:
    """The file's connection at the current schema version, or `StateFileError`."""
    import sqlite3  # only --state needs it: ~2 ms off every other start

    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        db.close()
        raise StateFileError(f"state file {path}: not a mockserver state file ({exc})") from None
    if version > SCHEMA_VERSION:
        db.close()
        raise StateFileError(
            f"state file {path}: written by a newer mockserver "
            f"(schema {version}; this one reads up to {SCHEMA_VERSION})"
        )
    from mockserver.persistence._to_columns import to_columns
    from mockserver.persistence.rows import JOURNAL_COLUMNS, table_sql

    second_journal = table_sql("journal_b", JOURNAL_COLUMNS)
    migrations: dict[int, _Migration] = {0: _TABLES + _CARRY, 1: _DISABLED, 2: to_columns, 3: second_journal}
    if (tables and "jobs" not in tables) or tables - _OURS:
        db.close()
        raise StateFileError(f"state file {path}: not a mockserver state file (tables {', '.join(sorted(tables))})")
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA wal_autocheckpoint=0")  # `_checkpoints` does it, off the request path
        if version < SCHEMA_VERSION:
            db.execute("BEGIN IMMEDIATE")
            for step in range(version, SCHEMA_VERSION):
                _migrate(db, path, migrations[step])
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")  # an int constant, not input
            db.execute("COMMIT")
    except (sqlite3.Error, StateFileError) as exc:
        db.close()  # an open transaction is rolled back: the file stays as it was
        if isinstance(exc, StateFileError):
            raise
        raise StateFileError(f"state file {path}: cannot prepare it ({exc})") from None
    return db


def _migrate(db: sqlite3.Connection, path: Path, migration: _Migration) -> None:
    if callable(migration):
        migration(db, path)
        return
    for statement in migration.split(";"):
        if statement.strip():
            db.execute(statement)
