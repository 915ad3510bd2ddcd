"""One transaction per operation for a state file: the write queue, its commits and trims.

- The writes a domain operation makes (a submit's charge and job; a transition's job row, refund
  and webhook delivery) are gathered per thread and committed together when the operation ends,
  so `kill -9` never leaves half of one.
- A failed commit (disk full): a submit's writes are dropped and `WriteFailed` makes the service
  take the change back; any other operation's writes stay queued and go with the next commit,
  so a transition's refund and webhook are late, never lost. One log line per kind of failure
  a minute, and one when writes work again.
- What only describes or counts (journal rows; the poll and download counts of a job that did not
  move; fault counters) waits for the next commit instead of making one (`_write_later`): a poll
  of a finished job commits nothing. It goes after that commit's own writes, and a write of the
  job's row drops its counts waiting (`supersedes`: they are in the row).
- Writes run in the order they were made: one that replaces an earlier write of the same key
  takes the later place (a job's move after its whole row, never before it).
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Any, Literal

from mockserver.domain.store import WriteFailed
from mockserver.persistence._bounds import Write, trim_writes
from mockserver.persistence._checkpoints import Checkpoints
from mockserver.persistence._complaints import Complaints

__all__ = ["Transactions"]

_Write = Write
_Failure = Literal["raise", "keep", "drop"]
# Trimming on every insert would double the writes; every so many rows is enough.
_TRIM_EVERY = 500
_LATER_GROUP = 256  # rows that may wait for a commit (`_write_later`)


class Transactions:
    """The write side of a state file: `_write` queues a row change into the open operation (or
    commits it alone), `operation()` commits what one operation wrote as one transaction."""

    def __init__(
        self,
        path: Path,
        db: sqlite3.Connection,
        *,
        journal_size: int,
        ledger_history: int,
        deliveries_kept: int,
        clock: Callable[[], float],
        checkpoints: Checkpoints,
    ) -> None:
        self._db = db
        self._checkpoints = checkpoints
        self._journal_size = journal_size
        self._ledger_history = ledger_history
        self._deliveries_kept = deliveries_kept
        self._lock = threading.Lock()
        self._local = threading.local()  # per thread: the open operation's writes and its depth
        self._retry: dict[Hashable, _Write] = {}  # writes of failed commits, for the next one
        self._later: dict[Hashable, _Write] = {}  # waiting for the next commit, oldest first (`_write_later`)
        self._since_trim = 0
        self._complaints = Complaints(path, clock)
        self._units = {False: _Unit(self, undo=False), True: _Unit(self, undo=True)}

    def operation(self, *, undo: bool = False) -> _Unit:
        return self._units[undo]

    def flush(self) -> None:
        """Write the rows that wait (a failed write drops them, with the usual log line)."""
        if self._later:
            self._commit({}, "drop")

    def _write_later(self, key: Hashable, sql: str, params: tuple[Any, ...]) -> None:
        # Written in groups: with the next operation's transaction, at `flush()` (the server calls
        # it every 100 ms, a journal read first), or once `_LATER_GROUP` rows wait. One commit per
        # request would halve the submits a second, and make a poll cost twenty times its answer.
        with self._lock:
            later = self._later
            later.pop(key, None)  # to the end: a row deleted, then counted again, is counted again
            later[key] = (sql, params)
            full = len(later) >= _LATER_GROUP
        if full:
            self.flush()

    def _write_instead(self, writes: list[_Write]) -> None:
        """Drop every queued write and run `writes` in one transaction (a clear)."""
        with self._lock:
            self._retry, self._later = {}, {}
            self._run(writes)

    def _write(self, key: Hashable, sql: str, params: tuple[Any, ...], supersedes: Hashable | None = None) -> None:
        if supersedes is not None and supersedes in self._later:
            with self._lock:
                self._later.pop(supersedes, None)
        pending: dict[Hashable, _Write] | None = getattr(self._local, "pending", None)
        if pending is not None:
            pending.pop(key, None)  # a later write of the same row replaces an earlier one, in its place
            pending[key] = (sql, params)
        else:
            self._commit({key: (sql, params)}, "keep")

    def _commit(self, writes: dict[Hashable, _Write], on_failure: _Failure) -> None:
        """One transaction: the writes queued by failed commits, these, then the rows waiting."""
        with self._lock:
            rows = self._later
            batch = _after(self._retry, writes) if self._retry else writes
            try:
                self._run(itertools.chain(batch.values(), rows.values()))
            except sqlite3.Error as exc:
                if on_failure == "keep":
                    self._retry = batch
                if on_failure == "drop" or len(rows) >= _LATER_GROUP:
                    self._later = {}
                self._complaints.failed(exc)
                if on_failure == "raise":
                    raise WriteFailed(f"state file: {exc}") from None
                return
            self._retry, self._later = {}, {}
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
        self._checkpoints.committed(db)

    def _trim(self) -> None:
        """Down to the bounds, in a transaction of its own; a failed one waits for the next turn."""
        writes = trim_writes(self._db, self._journal_size, self._deliveries_kept, self._ledger_history)
        try:
            self._run(writes)
        except sqlite3.Error as exc:
            self._complaints.failed(exc)


def _after(earlier: dict[Hashable, _Write], later: dict[Hashable, _Write]) -> dict[Hashable, _Write]:
    """Both queues in one, in the order they were written."""
    merged = dict(earlier)
    for key, write in later.items():
        merged.pop(key, None)
        merged[key] = write
    return merged


class _Unit:
    """`Transactions.operation()`: the outermost one on a thread gathers the writes and commits them."""

    __slots__ = ("_file", "_undo")

    def __init__(self, state_file: Transactions, *, undo: bool) -> None:
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
