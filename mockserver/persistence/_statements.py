"""The statements of one transaction of a state file, in as few calls into SQLite as it allows.

- Runs of one statement (a group's inserts, a sweep's moves) go in one `executemany` each.
- New rows of one table (journal entries) go in multi-row `INSERT ... VALUES (...), (...)`:
  binding a row's 11 values one statement step at a time cost ~1.9 µs a row here, a VALUES
  list of 256 rows ~1.3 µs. Lists come in powers of two rows (256, 128, ... 1), so at most nine
  statements are ever prepared and sqlite3 keeps each one compiled.
"""

from __future__ import annotations

import functools
import itertools
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

__all__ = ["Write", "insert_rows", "most_rows", "nothing", "statement_of", "transaction"]

Write = tuple[str, tuple[Any, ...]]
_T = TypeVar("_T")
_MOST_ROWS = 256  # rows of one VALUES list (fewer when SQLite binds fewer values to a statement)


def transaction(db: sqlite3.Connection, writes: Iterable[Write], then: Callable[[sqlite3.Connection], _T]) -> _T:
    """`writes` in order, then `then(db)` (its result returned), as one committed transaction;
    on any error the transaction is rolled back and the error raised."""
    db.execute("BEGIN")
    try:
        for sql, run in itertools.groupby(writes, key=statement_of):
            batch = [params for _sql, params in run]
            if len(batch) == 1:
                db.execute(sql, batch[0])
            else:
                db.executemany(sql, batch)
        result = then(db)
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return result


def insert_rows(db: sqlite3.Connection, table: str, width: int, flat: Sequence[Any], most: int) -> None:
    """Rows of `width` values each, one after another in `flat`, inserted into `table` (a fixed
    name, never input), at most `most` rows a statement (`most_rows`)."""
    rows, start = len(flat) // width, 0
    size = most
    while rows:
        while size > rows:
            size //= 2
        db.execute(_values_sql(table, width, size), flat[start : start + size * width])
        start += size * width
        rows -= size


def nothing(db: sqlite3.Connection) -> None:
    """A `then` for a transaction of `writes` alone."""


@functools.cache
def _values_sql(table: str, width: int, rows: int) -> str:
    row = f"({', '.join('?' * width)})"
    return f"INSERT OR REPLACE INTO {table} VALUES {', '.join([row] * rows)}"


def most_rows(db: sqlite3.Connection, width: int) -> int:
    """The power of two rows of `width` values one statement may bind on `db`, up to 256."""
    limit = db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)  # 32,766 since SQLite 3.32; 999 before
    size = _MOST_ROWS
    while size > 1 and size * width > limit:
        size //= 2
    return size


def statement_of(write: Write) -> str:
    """A write's SQL (the key runs of one statement are grouped and sorted by)."""
    return write[0]
