"""Where a state file's journal rows go: two tables of at most `size` rows each, filled in turn.

When the table being filled is full, the other is emptied and takes the next rows, in the same
transaction. Emptying a whole table (`DELETE` without `WHERE`) frees its pages at once; the trim
this replaces deleted the oldest rows one by one every 500 writes, a quarter of what a journal
row cost. The two always hold the newest `size` entries (and at most `2 * size`); a restart
reads the newer table first (`_restore.journal_rows`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from mockserver.persistence._statements import insert_rows, most_rows
from mockserver.persistence.rows import JOURNAL_COLUMNS

__all__ = ["JOURNAL_TABLES", "JOURNAL_WIDTH", "JournalTables", "newest_first"]

JOURNAL_TABLES = ("journal", "journal_b")
JOURNAL_WIDTH = len(JOURNAL_COLUMNS)

Position = tuple[int, int]  # the table being filled (an index of JOURNAL_TABLES), its rows


class JournalTables:
    """`insert` inside a transaction gives where the rows end; `moved_to` it once committed."""

    def __init__(self, db: sqlite3.Connection, size: int) -> None:
        self.size = size
        newer = newest_first(db)[0]
        (rows,) = db.execute(f"SELECT COUNT(*) FROM {newer}").fetchone()  # fixed names, not input
        self._position: Position = (JOURNAL_TABLES.index(newer), rows)
        self._most = most_rows(db, JOURNAL_WIDTH)

    def insert(self, db: sqlite3.Connection, flat: Sequence[Any]) -> Position:
        """Rows (`JOURNAL_WIDTH` values each, one after another) into the tables, emptying the
        older one whenever the one being filled is full."""
        table, count = self._position
        start, end = 0, len(flat)
        while start < end:
            if count >= self.size:
                table, count = 1 - table, 0
                db.execute(f"DELETE FROM {JOURNAL_TABLES[table]}")
            rows = min(self.size - count, (end - start) // JOURNAL_WIDTH)
            stop = start + rows * JOURNAL_WIDTH
            insert_rows(db, JOURNAL_TABLES[table], JOURNAL_WIDTH, flat[start:stop], self._most)
            start, count = stop, count + rows
        return table, count

    def moved_to(self, position: Position) -> None:
        self._position = position

    def cleared(self) -> None:
        self._position = (0, 0)


def newest_first(db: sqlite3.Connection) -> list[str]:
    """The two tables, the one holding the newest entry first (the first one when both are empty)."""
    newest = {table: db.execute(f"SELECT MAX(seq) FROM {table}").fetchone()[0] or 0 for table in JOURNAL_TABLES}
    return sorted(JOURNAL_TABLES, key=lambda table: -newest[table])
