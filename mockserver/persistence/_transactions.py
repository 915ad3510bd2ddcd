"""One transaction per operation for a state file: the write queue, its commits and trims.

- The writes a domain operation makes (a submit's charge and job; a transition's job row, refund
  and webhook delivery) are gathered per thread and committed together when the operation ends,
  so `kill -9` never leaves half of one.
- A submit of a served loop's request joins the loop's group (`_group`): one transaction for the
  submits of one turn, each answered once it is written. Any other operation first commits the
  group, so it never builds on a submit that may yet be taken back.
- A failed commit (disk full): a submit's writes are dropped and its change taken back in memory
  (`undo`; `WriteFailed` answers 500); any other operation's writes stay queued and go with the
  next commit, so a transition's refund and webhook are late, never lost. One log line per kind
  of failure a minute, and one when writes work again.
- What only describes or counts (journal rows; the poll and download counts of a job that did not
  move; fault counters) waits for the next commit instead of making one (`_write_later`): a poll
  of a finished job commits nothing. It goes after that commit's own writes, and a write of the
  job's row drops its counts waiting (`supersedes`: they are in the row). A job's counts wait as
  the job itself (`_count_later`), their row made when written: a dict entry per poll.
- A served mock's journal rows (`write_behind`) are written by a thread of their own (`_behind`),
  not with the loop's commits: the loop holds the queues' lock (`_queue`) only to queue a row,
  that thread the connection's (`_lock`) while it inserts. Lock order: `_lock`, then `_queue`.
- Writes run in the order they were made: one that replaces an earlier write of the same key
  takes the later place (a job's move after its whole row, never before it).
- How a transaction's statements are made is `_statements`'; where journal rows go,
  `_journal_tables`.
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import threading
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Any, Literal

from mockserver.domain.store import WriteFailed
from mockserver.persistence._behind import Behind
from mockserver.persistence._bounds import trim_writes
from mockserver.persistence._checkpoints import Checkpoints
from mockserver.persistence._complaints import Complaints
from mockserver.persistence._group import GROUP_MAX, Group, Member
from mockserver.persistence._journal_tables import JOURNAL_WIDTH, JournalTables
from mockserver.persistence._statements import Write, nothing, statement_of, transaction

__all__ = ["Transactions"]

_Write = Write
_Failure = Literal["raise", "keep", "drop"]
# Trimming on every insert would double the writes; every so many rows is enough. Only an
# operation's writes count: bookkeeping adds no rows a trim removes (the journal's tables take
# turns instead, `_journal_tables`), so a flood of polls never trims.
_TRIM_EVERY = 500
# Rows that may wait for a commit (`_write_later`, `_count_later`, `_append`): under a poll flood
# the journal's rows go 1,024 a commit, not 256 (a quarter of the commits and of the journal's
# last page written again each time: ~0.2 µs a poll).
_LATER_GROUP = 1024
# Journal rows a writer thread (`_behind`) may leave waiting before the queueing thread writes
# them itself: a bound on memory and on what a `kill -9` loses should that thread fall behind.
_BEHIND_MOST = 16 * _LATER_GROUP


class Transactions:
    """The write side of a state file: `_write` queues a row change into the open operation (or
    commits it alone), `operation()` commits what one operation wrote as one transaction."""

    in_memory = False  # `StateSink`'s: every change is written here

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
        counted_write: Callable[[Any], _Write],
    ) -> None:
        self._db = db
        self._checkpoints = checkpoints
        self._ledger_history = ledger_history
        self._deliveries_kept = deliveries_kept
        self._lock = threading.Lock()  # the connection: one transaction at a time
        self._queue = threading.Lock()  # the queues below (held briefly; inside `_lock` when both)
        self._behind: Behind | None = None  # the thread that writes journal rows (`write_behind`)
        self._local = threading.local()  # per thread: the open operation's writes and its depth
        self._retry: dict[Hashable, _Write] = {}  # writes of failed commits, for the next one
        self._later: dict[Hashable, _Write] = {}  # waiting for the next commit, oldest first (`_write_later`)
        self._appended: list[Any] = []  # journal rows waiting, their values one after another (`_append`)
        self._counted: dict[Hashable, Any] = {}  # job id -> the job whose counts wait (`_count_later`)
        self._counted_write = counted_write  # a job's counts as a write
        self._journal = JournalTables(db, journal_size)
        self._since_trim = 0
        self._complaints = Complaints(path, clock)
        self._group = Group()
        self._unit = _Unit(self, None)
        self._grouping = _Grouping(self._local)

    def operation(self, *, undo: Callable[[], None] | None = None) -> _Unit:
        return self._unit if undo is None else _Unit(self, undo)

    def when_written(self, then: Callable[[], None]) -> None:
        """Run `then` once the thread's last operation with an `undo` is written: now, or after
        its group's commit; never when it was taken back."""
        local = self._local
        member: Member | None = getattr(local, "member", None)
        local.member = None
        if member is None or member.state == "written":
            then()
        elif member.state == "waiting":
            member.then = then

    def group_commits(self, loop: asyncio.AbstractEventLoop) -> None:
        """From now on, submits on this loop inside `grouped()` share their turn's commit."""
        self._group.start(loop)

    def grouped(self) -> _Grouping:
        return self._grouping

    def settled(self) -> asyncio.Future[WriteFailed | None] | None:
        """The commit the thread's last grouped operation waits for (its result: None, or what
        failed), or None when nothing waits; asked once per request."""
        local = self._local
        waiting: asyncio.Future[WriteFailed | None] | None = getattr(local, "waiting", None)
        local.waiting = None
        return waiting

    def write_behind(self) -> None:
        """From now on journal rows are written on a thread of their own (a served mock's)."""
        if self._behind is None:
            self._behind = Behind(self._write_journal)

    def flush(self) -> None:
        """Write the rows and the group that wait (failed rows are dropped, with the usual log line)."""
        if self._later or self._appended or self._counted or self._group.members:
            self._commit({}, "drop", journal=True)

    def tick(self) -> None:
        """The server's 100 ms turn: what waits is written, journal rows by the thread behind."""
        if self._behind is None:
            self.flush()
            return
        if self._appended:
            self._behind.wake()
        if self._later or self._counted or self._group.members:
            self._commit({}, "drop")

    def stop_behind(self) -> None:
        """Stop the thread behind (its rows then go with the next commit, or `flush`)."""
        behind, self._behind = self._behind, None
        if behind is not None:
            behind.close()

    def _write_journal(self) -> None:
        """The thread behind's turn: the journal rows waiting, in a transaction of their own."""
        with self._lock:
            with self._queue:
                rows, self._appended = self._appended, []
            if not rows:
                return
            try:
                self._run((), rows)
            except sqlite3.Error as exc:
                self._complaints.failed(exc)
                if len(rows) < _LATER_GROUP * JOURNAL_WIDTH:  # kept for the next turn, as `_commit` keeps them
                    with self._queue:
                        self._appended = rows + self._appended
                return
            self._complaints.recovered()

    def _write_later(self, key: Hashable, sql: str, params: tuple[Any, ...]) -> None:
        # Written in groups: with the next operation's transaction, at `flush()` (the server calls
        # it every 100 ms, a journal read first), or once `_LATER_GROUP` rows wait. One commit per
        # request would halve the submits a second, and make a poll cost twenty times its answer.
        with self._queue:
            later = self._later
            later.pop(key, None)  # to the end: a row deleted, then counted again, is counted again
            later[key] = (sql, params)
            full = len(later) >= _LATER_GROUP
        if full:
            self.flush()

    def _count_later(self, key: Hashable, value: Any) -> None:
        """`_write_later` for a job's counts (`key` its id): only the newest is written, after the
        other rows waiting (no other write waiting touches them), and its row is made then (a
        poll's queueing cost ~1 µs, a fifth of what --state added to a poll)."""
        with self._queue:
            counted = self._counted
            counted[key] = value
            full = len(counted) >= _LATER_GROUP
        if full:
            self.flush()

    def _append(self, values: tuple[Any, ...]) -> None:
        """`_write_later` for a journal row, which no later write replaces: no key to keep, and
        the rows go in multi-row INSERTs (a fifth of a --state poll was its journal row)."""
        with self._queue:
            rows = self._appended
            rows += values
            waiting = len(rows)
        if waiting >= _LATER_GROUP * JOURNAL_WIDTH:
            behind = self._behind
            if behind is None or waiting >= _BEHIND_MOST * JOURNAL_WIDTH:
                self.flush()
            elif waiting < (_LATER_GROUP + 1) * JOURNAL_WIDTH:  # once per group, not per row
                behind.wake()

    def _write_instead(self, writes: list[_Write]) -> None:
        """Drop every queued write and run `writes` in one transaction (a clear)."""
        if self._group.members:
            self._commit({}, "keep")  # answered submits are written, then cleared as any other
        with self._lock, self._queue:
            self._retry, self._later, self._appended, self._counted = {}, {}, [], {}
            self._run(writes)
            self._journal.cleared()

    def _write(self, key: Hashable, sql: str, params: tuple[Any, ...], supersedes: Hashable | None = None) -> None:
        if supersedes is not None and supersedes in self._counted:
            with self._queue:
                self._counted.pop(supersedes, None)
        pending: dict[Hashable, _Write] | None = getattr(self._local, "pending", None)
        if pending is not None:
            pending.pop(key, None)  # a later write of the same row replaces an earlier one, in its place
            pending[key] = (sql, params)
        else:
            self._commit({key: (sql, params)}, "keep")

    def _commit(
        self, writes: dict[Hashable, _Write], on_failure: _Failure, *, turn: bool = False, journal: bool = False
    ) -> None:
        """One transaction: the writes queued by failed commits, the group's, these, then the rows
        waiting (the journal's too unless a thread behind writes them, or `journal`). `turn`: the
        loop's own commit of its group."""
        with self._lock, self._queue:  # the queues too: another thread's rows wait for the next commit
            members, future = self._group.take()
            journal = journal or self._behind is None
            failed = self._transaction(writes, on_failure, [member.writes for member in members], journal)
        self._group.settle(members, future, failed, at_once=turn)
        if failed is not None and on_failure == "raise":
            raise failed

    def _transaction(
        self, writes: dict[Hashable, _Write], on_failure: _Failure, grouped: list[dict[Hashable, _Write]], journal: bool
    ) -> WriteFailed | None:
        rows, appended, counted = self._later, self._appended if journal else [], self._counted
        retry, self._retry = self._retry, {}
        parts = [retry, *grouped, writes]
        # The group's members are submits: new rows only, so they go statement by statement.
        members = sorted(itertools.chain(*(member.values() for member in grouped)), key=statement_of)
        queued = (retry.values(), members, writes.values(), rows.values(), map(self._counted_write, counted.values()))
        try:
            self._run(itertools.chain(*queued), appended)
        except sqlite3.Error as exc:
            self._retry = _after(retry, writes) if on_failure == "keep" else retry
            if on_failure == "drop" or len(rows) >= _LATER_GROUP:
                self._later = {}
            if on_failure == "drop" or len(counted) >= _LATER_GROUP:
                self._counted = {}
            if journal and (on_failure == "drop" or len(appended) >= _LATER_GROUP * JOURNAL_WIDTH):
                self._appended = []
            self._complaints.failed(exc)
            return WriteFailed(f"state file: {exc}")
        self._later, self._counted = {}, {}
        if journal:
            self._appended = []
        self._complaints.recovered()
        self._since_trim += sum(map(len, parts))
        if self._since_trim >= _TRIM_EVERY:
            self._since_trim = 0
            self._trim()
        return None

    def _commit_group(self) -> None:
        """The loop's turn after a submit joined the group (unless another commit took it first)."""
        if self._group.members:
            self._commit({}, "keep", turn=True)

    def _written(self, pending: dict[Hashable, _Write], undo: Callable[[], None]) -> None:
        """The end of an operation that is taken back if it cannot be written (a submit)."""
        local = self._local
        if getattr(local, "grouping", False) and self._group.on_loop():
            member = Member(pending, undo)
            with self._queue:  # not the connection's lock: the thread behind may be writing
                local.waiting = self._group.join(member, self._commit_group)
                full = len(self._group.members) >= GROUP_MAX
            local.member = member
            if full:
                self._commit({}, "keep")
            return
        try:
            self._commit(pending, "raise")
        except WriteFailed:
            undo()
            raise

    def _run(self, writes: Iterable[_Write], journal_rows: list[Any] | None = None) -> None:
        """One transaction: `writes`, then the journal rows; the journal's tables move on only
        once it is committed."""
        db = self._db
        if journal_rows:
            rows = journal_rows
            self._journal.moved_to(transaction(db, writes, lambda db: self._journal.insert(db, rows)))
        else:
            transaction(db, writes, nothing)
        self._checkpoints.committed(db)

    def _trim(self) -> None:
        """Down to the bounds, in a transaction of its own; a failed one waits for the next turn."""
        writes = trim_writes(self._db, self._deliveries_kept, self._ledger_history)
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

    def __init__(self, state_file: Transactions, undo: Callable[[], None] | None) -> None:
        self._file, self._undo = state_file, undo

    def __enter__(self) -> None:
        state_file = self._file
        local = state_file._local
        depth = getattr(local, "depth", 0)
        if not depth and self._undo is None and state_file._group.members:
            state_file._commit({}, "keep")  # on written ground: no submit it sees is taken back later
        local.depth = depth + 1
        if not depth:
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
            if self._undo is None:
                self._file._commit(pending, "keep")
            else:
                self._file._written(pending, self._undo)
        elif self._undo is None:
            self._file._commit(pending, "keep")  # memory changed before the error: keep the file up


class _Grouping:
    """`Transactions.grouped()`: operations of the loop's thread inside it may join the group."""

    __slots__ = ("_local",)

    def __init__(self, local: threading.local) -> None:
        self._local = local

    def __enter__(self) -> None:
        self._local.grouping = True

    def __exit__(self, kind: object, exc: object, traceback: object) -> None:
        self._local.grouping = False
