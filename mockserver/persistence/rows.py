"""A state file's job, ledger and journal rows (since schema 3): one column per field, and back.

A row is the values it holds, bound as they are: a JSON document per row cost a third of a
submit to write and most of a restart to read (bench/README.md). A job's timeline is one compact
JSON array of its phases (each phase an array in `Phase`'s field order; a shorter one, from
an earlier release, gets the later fields' defaults). Webhook deliveries, rare and nested, stay
JSON documents (`_json_rows`). A column of the wrong SQLite type is refused before decoding
(`_restore`); a value no job can have is refused here, as `RowError`.

Reading shares equal values between rows (`Shared`): every job of a key keeps one key string,
as the serving process did, so a restart's memory is what serving needed, not one copy per row.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from mockserver.domain.jobs import Job, JobStatus, Phase
from mockserver.domain.journal import Entry, Row
from mockserver.domain.ledger import LedgerEntry
from mockserver.persistence._errors import StateFileError

__all__ = [
    "COUNT_JOB",
    "EDITED",
    "INSERT_LEDGER",
    "JOB_COLUMNS",
    "JOURNAL_COLUMNS",
    "LEDGER_COLUMNS",
    "MOVE_JOB",
    "PUT_JOB",
    "RowError",
    "Shared",
    "checked_build",
    "counted_values",
    "decoded",
    "entry_from_values",
    "entry_values",
    "job_from_values",
    "job_values",
    "ledger_from_values",
    "ledger_values",
    "moved_values",
    "row_values",
    "table_sql",
]

_T = TypeVar("_T")


class RowError(ValueError):
    """A row this mock cannot read; the message says what is wrong, in one line."""


_WRONG = (TypeError, ValueError, KeyError, IndexError, ArithmeticError, AttributeError)


def _wrong(what: str, exc: Exception) -> RowError:
    return RowError(f"{what} has a value of the wrong kind ({type(exc).__name__})")


def checked_build(build: Callable[[], _T], what: str) -> _T:
    """Run `build`, turning a wrong type or value inside a row into a `RowError`."""
    try:
        return build()
    except RowError:
        raise
    except _WRONG as exc:
        raise _wrong(what, exc) from None


EDITED = "(written by another mockserver version, or edited?)"


def decoded(path: Path, table: str, rows: Iterable[tuple[Any, Any]], decode: Callable[[Any], _T]) -> list[_T]:
    """`decode` of each row's data; a row it refuses raises `StateFileError` naming the row."""
    kept = []
    for key, data in rows:
        try:
            kept.append(decode(data))
        except RowError as exc:
            raise StateFileError(f"state file {path}: {table} row {key!r}: {exc} {EDITED}") from None
    return kept


# Column -> the SQLite types (`typeof`) a good row holds there. In `Job._fields` order, the
# request's text as `request`: a job's row is the job's own tuple with two values encoded.
JOB_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("text",),
    "tenant": ("text",),
    "model": ("text",),
    "scenario": ("text",),
    "created_at": ("real",),
    "timeline": ("text",),
    "request": ("text",),
    "aspect_ratio": ("text",),
    "cost": ("text",),  # a Decimal's exact text
    "generation_suffix": ("text",),
    "phase": ("integer",),
    "entered_at": ("real",),
    "polls_in_phase": ("integer",),
    "polls": ("integer",),
    "downloads": ("integer",),
    "generation_id": ("text", "null"),
    "base_url": ("text",),
}
LEDGER_COLUMNS: dict[str, tuple[str, ...]] = {
    "seq": ("integer",),
    "at": ("real",),
    "tenant": ("text",),
    "kind": ("text",),
    "amount": ("text",),
    "balance": ("text", "null"),  # null: unlimited
    "job_id": ("text", "null"),
}
JOURNAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "seq": ("integer",),
    "at": ("real",),
    "method": ("text",),
    "path": ("text",),
    "query": ("text",),
    "status": ("integer",),
    "tenant": ("text", "null"),
    "job_id": ("text", "null"),
    "operation": ("text", "null"),
    "headers": ("text", "null"),  # a JSON object; null: none (nearly every entry)
    "answer": ("text", "null"),
}


_TYPES = {"text": "TEXT", "real": "REAL", "integer": "INTEGER"}


def table_sql(table: str, columns: dict[str, tuple[str, ...]]) -> str:
    """`CREATE TABLE` for these columns, the first one the key."""
    parts = [
        f"{name} {_TYPES[kinds[0]]}" + (" PRIMARY KEY" if not index else "" if "null" in kinds else " NOT NULL")
        for index, (name, kinds) in enumerate(columns.items())
    ]
    return f"CREATE TABLE {table} ({', '.join(parts)})"


def _insert(table: str, columns: dict[str, tuple[str, ...]]) -> str:
    return f"INSERT OR REPLACE INTO {table} VALUES ({', '.join('?' * len(columns))})"


INSERT_LEDGER = _insert("ledger", LEDGER_COLUMNS)
# The whole job, new or with a new timeline (forced): an upsert, so a changed job's row stays
# where it is (REPLACE would delete it and insert it at the table's end, writing two pages and
# its index entry).
PUT_JOB = f"INSERT INTO jobs VALUES ({', '.join('?' * len(JOB_COLUMNS))}) ON CONFLICT (id) DO UPDATE SET " + ", ".join(
    f"{name} = excluded.{name}" for name in list(JOB_COLUMNS)[1:]
)
# A job moved to another phase of its timeline: the fields `advance` changes, no timeline to encode.
MOVE_JOB = (
    "UPDATE jobs SET phase = ?, entered_at = ?, polls_in_phase = ?, polls = ?, downloads = ?, generation_id = ?"
    " WHERE id = ?"
)
# A poll or a download counted, nothing else changed (bookkeeping: see `_transactions`).
COUNT_JOB = "UPDATE jobs SET polls_in_phase = ?, polls = ?, downloads = ? WHERE id = ?"

_COMPACT = json.JSONEncoder(separators=(",", ":"))


# --- writing -----------------------------------------------------------------------------------


def job_values(job: Job) -> tuple[Any, ...]:
    # Phases are named tuples and statuses strings: the timeline encodes as arrays, as it is.
    return (*job[:5], _COMPACT.encode(job.timeline), job[6], job[7], str(job[8]), *job[9:])


def moved_values(job: Job) -> tuple[Any, ...]:
    return (*job[10:16], job[0])


def counted_values(job: Job) -> tuple[Any, ...]:
    return (*job[12:15], job[0])


def ledger_values(entry: LedgerEntry) -> tuple[Any, ...]:
    balance = entry.balance
    return (*entry[:4], str(entry.amount), None if balance is None else str(balance), entry.job_id)


def entry_values(entry: Entry) -> tuple[Any, ...]:
    headers = entry.headers
    return (*entry[:9], json.dumps(headers) if headers else None, entry.answer)


def row_values(row: Row) -> Row:
    """A journal row (`Journal`'s, headers as pairs) as the table's values: nearly every row has
    no headers and is written as it is."""
    headers = row[9]
    return row if headers is None else (*row[:9], json.dumps(dict(headers)), row[10])


# --- reading -----------------------------------------------------------------------------------


class Shared:
    """Equal strings, costs and timelines read from many rows, kept once."""

    def __init__(self) -> None:
        self._costs: dict[str, Decimal] = {}
        self._timelines: dict[str, tuple[Phase, ...]] = {}

    # A builtin called directly: a dict of our own cost a Python call per string (12 per job).
    # Interned strings are still freed when the last row holding one goes.
    text = staticmethod(sys.intern)

    def cost(self, text: str) -> Decimal:
        cost = self._costs.get(text)
        if cost is None:
            cost = self._costs[text] = Decimal(text)
        return cost

    def timeline(self, text: str) -> tuple[Phase, ...]:
        timeline = self._timelines.get(text)
        if timeline is None:
            timeline = self._timelines[text] = _timeline(text)
        return timeline


_STATUSES = {status.value: status for status in JobStatus}  # a dict lookup, not the enum's call
_WIDTH = len(Phase._fields)
_LATER_FIELDS = tuple(Phase._field_defaults[name] for name in Phase._fields[1:])  # for shorter phases
_new: Any = tuple.__new__  # a named tuple without its generated `__new__` (see domain/jobs.py)
_SCAN: Any = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # the C scanner, set in __init__


def _timeline(text: str) -> tuple[Phase, ...]:
    # Half of a restart's decoding (one timeline per job, rarely two alike): kept to the bone,
    # the C scanner called directly (`json.loads` adds a microsecond of Python around it).
    try:
        phases, end = _SCAN(text, 0)
    except (StopIteration, ValueError):  # how the scanner says "not JSON" (StopIteration: at its start)
        raise RowError("the job's timeline is not JSON") from None
    if end != len(text) or type(phases) is not list or not phases:
        raise RowError("the job's timeline is not a list of phases")
    decoded = []
    for phase in phases:
        if type(phase) is not list or not 0 < len(phase) <= _WIDTH:
            raise RowError("a phase of the job's timeline is not an array of its fields")
        phase[0] = _STATUSES[phase[0]]
        if len(phase) < _WIDTH:
            phase += _LATER_FIELDS[len(phase) - 1 :]
        decoded.append(_new(Phase, phase))
    return tuple(decoded)


# The three decoders run once per row of a restart: named tuples built without their generated
# `__new__`, no closure per row (`checked_build`'s), errors turned into `RowError` here instead.


def job_from_values(values: tuple[Any, ...], shared: Shared) -> Job:
    try:
        job_id, tenant, model, scenario, created, timeline, request, aspect, cost, suffix, phase = values[:11]
        entered, in_phase, polls, downloads, generation_id, base = values[11:]
        text = shared.text
        phases = shared.timeline(timeline)
        if not 0 <= phase < len(phases):
            raise RowError("the job's phase is not in its timeline")
        job: Job = _new(
            Job,
            (
                job_id,
                text(tenant),
                text(model),
                text(scenario),
                created,
                phases,
                text(request),
                text(aspect),
                shared.cost(cost),
                suffix,
                phase,
                entered,
                in_phase,
                polls,
                downloads,
                generation_id,
                text(base),
            ),
        )
        return job
    except RowError:
        raise
    except _WRONG as exc:
        raise _wrong("the job", exc) from None


_LEDGER_KINDS = frozenset(("set", "charge", "refund"))


def ledger_from_values(values: tuple[Any, ...], shared: Shared) -> LedgerEntry:
    try:
        seq, at, tenant, kind, amount, balance, job_id = values
        if kind not in _LEDGER_KINDS:
            raise RowError(f"the ledger entry's kind {kind!r} is not one this mock knows")
        kept = None if balance is None else shared.cost(balance)
        entry: LedgerEntry = _new(LedgerEntry, (seq, at, shared.text(tenant), kind, shared.cost(amount), kept, job_id))
        return entry
    except RowError:
        raise
    except _WRONG as exc:
        raise _wrong("the ledger entry", exc) from None


def entry_from_values(values: tuple[Any, ...], shared: Shared) -> Entry:
    try:
        seq, at, method, path, query, status, tenant, job_id, operation, headers, answer = values
        if headers is None:
            kept = {}
        else:
            kept = json.loads(headers)
            if type(kept) is not dict or not all(type(value) is str for value in kept.values()):
                raise RowError("the journal entry's headers are not an object of strings")
        text = shared.text
        if tenant is not None:
            tenant = text(tenant)
        if operation is not None:
            operation = text(operation)
        if answer is not None:
            answer = text(answer)
        values = (seq, at, text(method), text(path), query, status, tenant, job_id, operation, kept, answer)
        entry: Entry = _new(Entry, values)
        return entry
    except RowError:
        raise
    except _WRONG as exc:
        raise _wrong("the journal entry", exc) from None
