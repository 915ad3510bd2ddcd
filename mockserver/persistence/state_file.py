"""`--state PATH`: the mock's state in SQLite (standard library), written through on every change.

- One owner: the file is locked for the process's lifetime (`schema.lock`); a second server on
  it is refused at startup.
- One operation, one transaction: the writes a domain operation makes (a submit's charge and
  job; a transition's job row, refund and webhook delivery) are gathered per thread and
  committed together when the operation ends, so `kill -9` never leaves half of one.
- A failed commit (disk full): a submit's writes are dropped and `WriteFailed` makes the service
  take the change back; any other operation's writes stay queued and go with the next commit,
  so a transition's refund and webhook are late, never lost. One log line per kind of failure
  a minute, and one when writes work again.
- Bounded: the journal keeps its ring buffer's size, finished deliveries `deliveries_kept`, the
  ledger its `ledger_history` newest rows plus one summary row per key (`ledger_carry`).

WAL mode with `synchronous=NORMAL` survives a killed process (not a power cut), which is what a
developer's `kill -9` or a crashed test run needs.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, TypeVar

from mockserver.domain.clock import Clock, SystemClock
from mockserver.domain.jobs import Job
from mockserver.domain.journal import Entry
from mockserver.domain.ledger import HISTORY, LedgerEntry
from mockserver.domain.store import WriteFailed
from mockserver.persistence._bounds import Write, trim_writes
from mockserver.persistence._complaints import Complaints
from mockserver.persistence.rows import (
    RowError,
    delivery_from_row,
    delivery_row,
    entry_from_row,
    job_from_row,
    job_row,
    ledger_from_row,
    ledger_row,
)
from mockserver.persistence.schema import StateFileError, lock, open_database
from mockserver.webhooks.delivery import Delivery

__all__ = ["Restored", "StateFile"]

log = logging.getLogger("mockserver")

_T = TypeVar("_T")
_Write = Write
_Failure = Literal["raise", "keep", "drop"]
# Trimming on every insert would double the writes; every so many rows is enough.
_TRIM_EVERY = 500
_JOURNAL_GROUP = 256  # journal rows that may wait for a commit


class Restored:
    """What a state file held when the server started."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []
        self.scenarios: dict[str, str | None] = {}
        self.counts: dict[tuple[str, str], int] = {}
        self.ledger: list[LedgerEntry] = []
        self.carried: dict[str, tuple[Decimal | None, Decimal]] = {}
        self.journal: list[Entry] = []
        self.deliveries: list[Delivery] = []
        self.epoch = 0


class StateFile:
    """The writer of the store, ledger, journal and webhooks, backed by one SQLite file."""

    def __init__(
        self,
        path: str | Path,
        *,
        journal_size: int = 10_000,
        ledger_history: int = HISTORY,
        deliveries_kept: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        self._journal_size = journal_size
        self._ledger_history = ledger_history
        self._deliveries_kept = deliveries_kept
        self._fd = lock(self.path)
        try:
            self._db = open_database(self.path)
        except BaseException:
            os.close(self._fd)
            raise
        self._lock = threading.Lock()
        self._local = threading.local()  # per thread: the open operation's writes and its depth
        self._retry: dict[Hashable, _Write] = {}  # writes of failed commits, for the next one
        self._journal_rows: dict[Hashable, _Write] = {}  # waiting for the next commit (see `journal`)
        self._since_trim = 0
        self._complaints = Complaints(self.path, clock)
        self._units = {False: _Unit(self, undo=False), True: _Unit(self, undo=True)}

    # --- the writer (StoreWriter, and the ledger's, journal's and webhooks' callbacks) ----------

    def operation(self, *, undo: bool = False) -> _Unit:
        return self._units[undo]

    def job(self, job: Job) -> None:
        self._write(("jobs", job.id), "INSERT OR REPLACE INTO jobs VALUES (?, ?)", (job.id, job_row(job)))

    def forget_job(self, job_id: str) -> None:
        self._write(("jobs", job_id), "DELETE FROM jobs WHERE id = ?", (job_id,))
        self._write(("counts", job_id), "DELETE FROM counts WHERE scope = ?", (job_id,))

    def tenant_scenario(self, tenant: str, scenario: str | None) -> None:
        self._write(("tenants", tenant), "INSERT OR REPLACE INTO tenants VALUES (?, ?)", (tenant, scenario))

    def count(self, scope: str, operation: str, value: int) -> None:
        sql = "INSERT OR REPLACE INTO counts VALUES (?, ?, ?)"
        self._write(("counts", scope, operation), sql, (scope, operation, value))

    def forget_counts(self, scope: str) -> None:
        self._write(("counts", scope), "DELETE FROM counts WHERE scope = ?", (scope,))

    def ledger(self, entry: LedgerEntry) -> None:
        sql = "INSERT OR REPLACE INTO ledger VALUES (?, ?)"
        self._write(("ledger", entry.seq), sql, (entry.seq, ledger_row(entry)))

    def journal(self, entry: Entry) -> None:
        # Written after the answer it describes, in groups: with the next operation's transaction,
        # at `flush()` (the server calls it every 100 ms, a journal read first), or once
        # `_JOURNAL_GROUP` rows wait. One commit per request would halve the submits a second.
        sql = "INSERT OR REPLACE INTO journal VALUES (?, ?)"
        row = (sql, (entry.seq, json.dumps(entry._asdict())))
        with self._lock:
            self._journal_rows[("journal", entry.seq)] = row
            full = len(self._journal_rows) >= _JOURNAL_GROUP
        if full:
            self.flush()

    def flush(self) -> None:
        """Write the journal rows that wait (a failed write drops them, with the usual log line)."""
        if self._journal_rows:
            self._commit({}, "drop")

    def delivery(self, delivery: Delivery) -> None:
        sql = "INSERT OR REPLACE INTO deliveries VALUES (?, ?)"
        self._write(("deliveries", delivery.id), sql, (delivery.id, delivery_row(delivery)))

    def clear(self) -> None:
        with self._lock:
            self._retry, self._journal_rows = {}, {}
            tables = ("jobs", "tenants", "counts", "ledger", "ledger_carry", "journal", "deliveries")
            self._run([(f"DELETE FROM {table}", ()) for table in tables])  # fixed names, not input

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
                self._load(restored)
            except sqlite3.DatabaseError as exc:
                raise StateFileError(f"state file {self.path}: cannot read it ({exc})") from None
        previous = self.get_meta("epoch")
        if previous is not None:
            restored.epoch = int(previous) + 1
        elif restored.jobs or restored.ledger or restored.carried:
            restored.epoch = 1  # a file of the first release, which kept no epoch: its ids came from 0
        self.set_meta("epoch", restored.epoch)
        return restored

    def _load(self, restored: Restored) -> None:
        db = self._db
        restored.jobs = self._decoded("jobs", db.execute("SELECT id, data FROM jobs"), job_from_row)
        restored.scenarios = dict(db.execute("SELECT key, scenario FROM tenants").fetchall())
        restored.counts = {(s, o): v for s, o, v in db.execute("SELECT scope, operation, value FROM counts")}
        restored.ledger = self._decoded("ledger", db.execute("SELECT seq, data FROM ledger"), ledger_from_row)
        for key, balance, net in db.execute("SELECT key, balance, net FROM ledger_carry"):
            restored.carried[key] = (None if balance is None else Decimal(balance), Decimal(net))
        rows = db.execute("SELECT seq, data FROM journal ORDER BY seq DESC LIMIT ?", (self._journal_size,))
        restored.journal = self._decoded("journal", reversed(rows.fetchall()), entry_from_row)
        rows = db.execute("SELECT id, data FROM deliveries ORDER BY id")
        restored.deliveries = self._decoded("deliveries", rows, delivery_from_row)

    def _decoded(self, table: str, rows: Iterable[tuple[Any, Any]], decode: Callable[[Any], _T]) -> list[_T]:
        decoded = []
        for key, data in rows:
            try:
                decoded.append(decode(data))
            except RowError as exc:
                raise StateFileError(
                    f"state file {self.path}: {table} row {key!r}: {exc} "
                    "(written by another mockserver version, or edited?)"
                ) from None
        return decoded

    def close(self) -> None:
        self.flush()
        with self._lock:
            self._db.close()
            os.close(self._fd)  # last: closing it releases the lock

    # --- transactions --------------------------------------------------------------------------

    def _write(self, key: Hashable, sql: str, params: tuple[Any, ...]) -> None:
        pending: dict[Hashable, _Write] | None = getattr(self._local, "pending", None)
        if pending is not None:
            pending[key] = (sql, params)  # a later write of the same row replaces an earlier one
        else:
            self._commit({key: (sql, params)}, "keep")

    def _commit(self, writes: dict[Hashable, _Write], on_failure: _Failure) -> None:
        """One transaction: the writes queued by failed commits, then these."""
        with self._lock:
            rows = self._journal_rows
            batch = {**self._retry, **writes} if self._retry else writes
            try:
                self._run(itertools.chain(batch.values(), rows.values()))
            except sqlite3.Error as exc:
                if on_failure == "keep":
                    self._retry = batch
                if on_failure == "drop" or len(rows) >= _JOURNAL_GROUP:
                    self._journal_rows = {}
                self._complaints.failed(exc)
                if on_failure == "raise":
                    raise WriteFailed(f"state file: {exc}") from None
                return
            self._retry, self._journal_rows = {}, {}
            self._complaints.recovered()
            self._since_trim += len(batch) + len(rows)
            if self._since_trim >= _TRIM_EVERY:
                self._since_trim = 0
                self._trim()

    def _run(self, writes: Iterable[_Write]) -> None:
        db = self._db
        db.execute("BEGIN")
        try:
            for sql, params in writes:
                db.execute(sql, params)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _trim(self) -> None:
        """Down to the bounds, in a transaction of its own; a failed one waits for the next turn."""
        writes = trim_writes(self._db, self._journal_size, self._deliveries_kept, self._ledger_history)
        try:
            self._run(writes)
        except sqlite3.Error as exc:
            self._complaints.failed(exc)


class _Unit:
    """`StateFile.operation()`: the outermost one on a thread gathers the writes and commits them."""

    __slots__ = ("_file", "_undo")

    def __init__(self, state_file: StateFile, *, undo: bool) -> None:
        self._file, self._undo = state_file, undo

    def __enter__(self) -> None:
        local = self._file._local
        local.depth = getattr(local, "depth", 0) + 1
        if local.depth == 1:
            local.pending = {}

    def __exit__(self, kind: object, exc: object, traceback: object) -> None:
        local = self._file._local
        local.depth -= 1
        if local.depth:
            return
        pending, local.pending = local.pending, None
        if not pending:
            return
        if kind is None:
            self._file._commit(pending, "raise" if self._undo else "keep")
        elif not self._undo:
            self._file._commit(pending, "keep")  # memory changed before the error: keep the file up
