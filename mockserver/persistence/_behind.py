"""A served mock's journal rows written behind its requests, on a thread of their own.

A journal row is all a poll of a finished job writes, and inserting it cost that poll a tenth of
its time on the event loop (bench/README.md, durable mode). Here the loop only queues the row;
this thread wakes when a group of rows waits or at the server's 100 ms tick, and writes them
in one transaction under the writer's lock. SQLite leaves the GIL free while it inserts, so the
loop serves on meanwhile; it waits for that lock only to commit an operation of its own.

The rows are bookkeeping (DECISIONS.md, Persistence): a `kill -9` loses at most those that
waited, and an explicit `flush()` (a journal read, the server's stop) writes them at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

__all__ = ["Behind"]

log = logging.getLogger("mockserver")


class Behind:
    """`wake()` has the thread run `write` soon; `close()` stops it (after its last turn)."""

    def __init__(self, write: Callable[[], None]) -> None:
        self._write = write
        self._wake = threading.Event()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="state-journal", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def close(self) -> None:
        self._stop = True
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stop:
                return
            try:
                self._write()
            except Exception as exc:  # a bug, not a full disk (that one `write` reports): the thread lives on
                log.error("unexpected error writing journal rows", exc_info=exc)
