"""WAL checkpoints off the request path: a thread with a connection of its own copies committed
pages back into the file, so no commit of a request pays for that copy and its two `fsync`s.

SQLite's own checkpoint runs inside the commit that crosses 1,000 pages, on the thread that
commits: on this machine a 4 ms `fsync` twice, every ~250 submits (bench/README.md). Here the
committing connection never checkpoints (`wal_autocheckpoint=0`); this thread does, PASSIVE
(never blocking the writer), every `_INTERVAL` s that something was committed. The GIL is free
while SQLite copies and syncs, so the event loop serves on meanwhile.

Bounded: a PASSIVE checkpoint copies what was committed when it began, and the WAL starts over
from its beginning only at a commit that finds it all copied. Under a steady flood it never
is, so once the WAL holds more than `limit` pages the writer is told (`overdue`) and checkpoints
the rest itself, between two commits; its next commit then starts the WAL over, and
`journal_size_limit` cuts the file back to `limit` pages.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path

__all__ = ["WAL_LIMIT_PAGES", "Checkpoints"]

WAL_LIMIT_PAGES = 4096  # 16 MB of 4 KiB pages: the WAL's bound
_INTERVAL = 0.1  # seconds between checkpoints while commits come


class Checkpoints:
    """`committed()` after each commit; the thread (`start()`) checkpoints; `close()` stops it."""

    def __init__(self, path: Path, limit: int = WAL_LIMIT_PAGES) -> None:
        self._path, self.limit = path, limit
        self._db: sqlite3.Connection | None = None
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()  # set by a commit: there is something to copy
        self._stop = threading.Event()
        self.overdue = False  # the WAL is past `limit`: the writer checkpoints the rest itself

    def start(self) -> None:
        self._db = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
        self._thread = threading.Thread(target=self._run, name="state-checkpoints", daemon=True)
        self._thread.start()

    def committed(self, db: sqlite3.Connection) -> None:
        """After each commit on the writer's connection `db`."""
        self._wake.set()
        if self.overdue:  # past the bound under a steady flood: copy the rest now, between commits
            self.overdue = False
            with contextlib.suppress(sqlite3.Error):  # the commit stands; the thread's next turn retries
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def step(self) -> None:
        """One PASSIVE checkpoint (the thread's turn; tests call it directly)."""
        if self._db is None:
            self._db = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
        _busy, log, _copied = self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.overdue = log > self.limit

    def _run(self) -> None:
        while True:
            self._wake.wait()
            if self._stop.is_set():
                return
            self._wake.clear()
            with contextlib.suppress(sqlite3.Error):  # a full disk, say: the writer reports its own failures
                self.step()
            if self._stop.wait(_INTERVAL):  # the commits of the next interval are copied together
                return

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
        if self._db is not None:
            self._db.close()
