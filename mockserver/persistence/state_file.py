"""`--state PATH`: the mock's state in SQLite (standard library), written through on every change.

- One owner: the file is locked for the process's lifetime (`schema.lock`); a second server on
  it is refused at startup.
- One operation, one transaction, and what a failed commit does: `_transactions`.
- Bounded: the journal keeps its ring buffer's size (`_journal_tables`), finished deliveries `deliveries_kept`, the
  ledger its `ledger_history` newest rows plus one summary row per key (`ledger_carry`), the
  WAL `_checkpoints.WAL_LIMIT_PAGES` pages.

WAL mode with `synchronous=NORMAL` survives a killed process (not a power cut), which is what a
developer's `kill -9` or a crashed test run needs.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mockserver.domain.clock import Clock, SystemClock
from mockserver.domain.jobs import Job
from mockserver.domain.journal import Row
from mockserver.domain.ledger import HISTORY, LedgerEntry
from mockserver.persistence._checkpoints import WAL_LIMIT_PAGES, Checkpoints
from mockserver.persistence._journal_tables import JOURNAL_TABLES
from mockserver.persistence._json_rows import delivery_row
from mockserver.persistence._restore import Restored, read_state
from mockserver.persistence._transactions import Transactions
from mockserver.persistence.rows import (
    COUNT_JOB,
    INSERT_LEDGER,
    MOVE_JOB,
    PUT_JOB,
    counted_values,
    job_values,
    ledger_values,
    moved_values,
    row_values,
)
from mockserver.persistence.schema import StateFileError, lock, open_database
from mockserver.webhooks.delivery import Delivery

__all__ = ["Restored", "StateFile"]

log = logging.getLogger("mockserver")


class StateFile(Transactions):
    """The writer of the store, ledger, journal and webhooks, backed by one SQLite file."""

    def __init__(
        self,
        path: str | Path,
        *,
        journal_size: int = 10_000,
        ledger_history: int = HISTORY,
        deliveries_kept: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        wal_limit: int = WAL_LIMIT_PAGES,
    ) -> None:
        self.path = Path(path)
        self._fd = lock(self.path)
        try:
            db = open_database(self.path)
        except BaseException:
            os.close(self._fd)
            raise
        page = db.execute("PRAGMA page_size").fetchone()[0]
        db.execute(f"PRAGMA journal_size_limit = {int(wal_limit * page)}")  # a restarted WAL is cut back to it
        checkpoints = Checkpoints(self.path, wal_limit)
        super().__init__(
            self.path,
            db,
            journal_size=journal_size,
            ledger_history=ledger_history,
            deliveries_kept=deliveries_kept,
            clock=clock,
            checkpoints=checkpoints,
            counted_write=_counted_write,
        )
        checkpoints.start()

    # --- the writer (StoreWriter, and the ledger's, journal's and webhooks' callbacks) ----------
    # `operation()` and `flush()` come from `Transactions`.

    # A job's writes in a queue run in the order they were made (a later one of the same key
    # goes to the end); each carries the counts of the job, so it drops the counts waiting.

    def job(self, job: Job) -> None:
        self._write(("jobs", job.id), PUT_JOB, job_values(job), supersedes=job.id)

    def moved(self, job: Job) -> None:
        self._write(("moved", job.id), MOVE_JOB, moved_values(job), supersedes=job.id)

    def counted(self, job: Job) -> None:
        self._count_later(job.id, job)

    def forget_job(self, job_id: str) -> None:
        self._write(("jobs", job_id), "DELETE FROM jobs WHERE id = ?", (job_id,), supersedes=job_id)
        self.forget_counts(job_id)  # after its counters waiting, as they are

    def tenant(self, tenant: str, scenario: str | None, disabled: bool) -> None:
        sql = "INSERT OR REPLACE INTO tenants (key, scenario, disabled) VALUES (?, ?, ?)"
        self._write(("tenants", tenant), sql, (tenant, scenario, int(disabled)))

    def count(self, scope: str, operation: str, value: int) -> None:
        sql = "INSERT OR REPLACE INTO counts VALUES (?, ?, ?)"
        self._write_later(("counts", scope, operation), sql, (scope, operation, value))

    def forget_counts(self, scope: str) -> None:
        self._write_later(("counts", scope), "DELETE FROM counts WHERE scope = ?", (scope,))

    def ledger(self, entry: LedgerEntry) -> None:
        self._write(("ledger", entry.seq), INSERT_LEDGER, ledger_values(entry))

    def journal(self, row: Row) -> None:
        self._append(row_values(row))

    def delivery(self, delivery: Delivery) -> None:
        sql = "INSERT OR REPLACE INTO deliveries VALUES (?, ?)"
        self._write(("deliveries", delivery.id), sql, (delivery.id, delivery_row(delivery)))

    def clear(self) -> None:
        tables = ("jobs", "tenants", "counts", "ledger", "ledger_carry", *JOURNAL_TABLES, "deliveries")
        self._write_instead([(f"DELETE FROM {table}", ()) for table in tables])  # fixed names, not input

    # --- the clock -----------------------------------------------------------------------------

    def system_clock(self, speed: float) -> SystemClock:
        """A clock that carries on where the last run's left off, the downtime included.

        The mock's time is anchored to wall time once (the first run); a restart at another
        `--speed` re-anchors at the mock time the old speed had reached.
        """
        wall = time.time()
        anchor = self.get_meta("clock")
        start = wall if anchor is None else anchor["mock"] + (wall - anchor["wall"]) * anchor["speed"]
        self.save_clock(mock=start, wall=wall, speed=speed)
        return SystemClock(speed=speed, start=start)

    def clock_moved(self, clock: Clock) -> None:
        if isinstance(clock, SystemClock):
            self.save_clock(mock=clock.now(), wall=time.time(), speed=clock.speed)

    def save_clock(self, *, mock: float, wall: float, speed: float) -> None:
        self.set_meta("clock", {"mock": mock, "wall": wall, "speed": speed})

    def get_meta(self, key: str) -> Any:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def set_meta(self, key: str, value: Any) -> None:
        self._write(("meta", key), "INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    # --- loading -------------------------------------------------------------------------------

    def load(self) -> Restored:
        """Everything the file kept, or `StateFileError` naming the row this mock cannot read.

        Each load after the first is a new epoch of the file (its job ids come from a stream of
        their own); a fresh file is epoch 0, so its ids are those of a run without `--state`.
        """
        restored = Restored()
        with self._lock:
            try:
                read_state(self._db, self.path, self._journal.size, restored)
            except sqlite3.DatabaseError as exc:
                raise StateFileError(f"state file {self.path}: cannot read it ({exc})") from None
        previous = self.get_meta("epoch")
        if previous is not None:
            restored.epoch = int(previous) + 1
        elif restored.jobs or restored.ledger or restored.carried:
            restored.epoch = 1  # a file of the first release, which kept no epoch: its ids came from 0
        self.set_meta("epoch", restored.epoch)
        return restored

    def close(self) -> None:
        self.stop_behind()
        self.flush()
        self._checkpoints.close()
        with self._lock:
            self._db.close()  # the last connection: SQLite checkpoints the WAL and removes it
            os.close(self._fd)  # last: closing it releases the lock


def _counted_write(job: Job) -> tuple[str, tuple[Any, ...]]:
    return COUNT_JOB, counted_values(job)
