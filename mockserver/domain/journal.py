"""The request journal: what the mock was asked and what it answered, bounded in memory.

Tests read it to assert how an app behaved (poll pacing, resubmits, where the key went).
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable
from typing import Any, NamedTuple

__all__ = ["Entry", "Journal"]


class Entry(NamedTuple):
    """One request and its answer. A named tuple: every request makes one, and a frozen dataclass
    costs several times as much to build (bench/README.md)."""

    seq: int
    at: float  # the mock's clock (virtual in tests)
    method: str
    path: str
    query: str
    status: int
    tenant: str | None
    job_id: str | None
    operation: str | None
    headers: dict[str, str]  # the answer's headers worth keeping (Retry-After)
    answer: str | None = None  # the job status a submit or poll answered (for `GET /_mock/checks`)


_new: Any = tuple.__new__  # an `Entry` from a row without the class's generated `__new__`

# The headers of an entry that kept none: one shared dict, not one per entry (entries are read, never changed).
_NONE: dict[str, str] = {}


class Journal:
    """A ring buffer of entries; the oldest drop off once `size` is reached."""

    def __init__(self, size: int = 10_000, on_record: Callable[[Entry], None] | None = None) -> None:
        self.size = size
        self._on_record = on_record  # called with each new entry (a state file writes it)
        # Plain tuples, made `Entry`s when read: a tuple of atoms leaves the collector's lists at
        # its first collection, a named tuple stays tracked (10,000 objects in every full pass).
        self._entries: deque[tuple[Any, ...]] = deque(maxlen=size)
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def record(
        self,
        at: float,
        method: str,
        path: str,
        query: str,
        status: int,
        tenant: str | None,
        job_id: str | None = None,
        operation: str | None = None,
        headers: dict[str, str] | None = None,
        answer: str | None = None,
    ) -> None:
        """Keep one exchange. Positional calls are the fast ones: every request makes one."""
        with self._lock:
            seq = next(self._seq)
            kept = tuple(headers.items()) if headers else None  # a dict would keep the row tracked
            self._entries.append((seq, at, method, path, query, status, tenant, job_id, operation, kept, answer))
            if self._on_record is not None:  # an `Entry` only for a listener: in memory none is made
                entry: Entry = _new(
                    Entry, (seq, at, method, path, query, status, tenant, job_id, operation, headers or _NONE, answer)
                )
                self._on_record(entry)

    def restore(self, entries: list[Entry]) -> None:
        with self._lock:
            self._entries.extend(_row(entry) for entry in entries)
            self._seq = itertools.count(max((e.seq for e in entries), default=0) + 1)

    def entries(self) -> list[Entry]:
        with self._lock:
            return [_entry(row) for row in self._entries]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def _row(entry: Entry) -> tuple[Any, ...]:
    return (*entry[:9], tuple(entry.headers.items()) if entry.headers else None, entry.answer)


def _entry(row: tuple[Any, ...]) -> Entry:
    headers = row[9]
    entry: Entry = _new(Entry, (*row[:9], dict(headers) if headers else _NONE, row[10]))
    return entry
