"""A state file's rows as JSON documents, and back: exactly the fields this mock knows.

A row with a field this mock does not know, or without one it needs, comes from another
version (or was edited): loading refuses it with `RowError` rather than guessing. Fields
added later get defaults, so files of the previous release keep loading.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from mockserver.domain.jobs import Job, JobStatus, Phase, request_text
from mockserver.domain.journal import Entry
from mockserver.domain.ledger import LedgerEntry
from mockserver.webhooks.delivery import Attempt, Delivery

__all__ = [
    "RowError",
    "delivery_from_row",
    "delivery_row",
    "entry_from_row",
    "job_from_row",
    "job_row",
    "ledger_from_row",
    "ledger_row",
]


class RowError(ValueError):
    """A row this mock cannot read; the message says what is wrong, in one line."""


def _required(names: tuple[str, ...], defaults: dict[str, Any]) -> frozenset[str]:
    return frozenset(name for name in names if name not in defaults)


_JOB_FIELDS = frozenset(Job._fields) - {"request_json"} | {"request"}
_JOB_REQUIRED = _required(Job._fields, Job._field_defaults) - {"request_json"} | {"request"}
_PHASE_FIELDS = frozenset(Phase._fields)
_PHASE_REQUIRED = _required(Phase._fields, Phase._field_defaults)
_LEDGER_FIELDS = frozenset(LedgerEntry._fields)
_LEDGER_REQUIRED = _required(LedgerEntry._fields, LedgerEntry._field_defaults)
_ENTRY_FIELDS = frozenset(Entry._fields)
_ENTRY_REQUIRED = _required(Entry._fields, Entry._field_defaults)  # `answer` came later: optional
_DELIVERY_FIELDS = frozenset(Delivery.__dataclass_fields__) - {"in_flight"}
_DELIVERY_REQUIRED = frozenset(("id", "job_id", "tenant", "url", "type", "idempotency_key", "body", "next_at"))
_ATTEMPT_FIELDS = frozenset(Attempt.__dataclass_fields__)


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, TypeError):
        raise RowError("the row is not JSON") from None


def _checked(data: Any, known: frozenset[str], required: frozenset[str], what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise RowError(f"{what} is not a JSON object")
    if required <= data.keys() <= known:  # every row of a good file: one comparison
        return data
    unknown = sorted(data.keys() - known)
    if unknown:
        raise RowError(f"{what} has a field this mock does not know: {unknown[0]!r}")
    missing = sorted(required - data.keys())
    if missing:
        raise RowError(f"{what} lacks the field {missing[0]!r}")
    return data


def _values(build: Any, what: str) -> Any:
    """Run `build`, turning a wrong type or value inside a row into a `RowError`."""
    try:
        return build()
    except RowError:
        raise
    except (TypeError, ValueError, KeyError, ArithmeticError, AttributeError) as exc:
        raise RowError(f"{what} has a value of the wrong kind ({type(exc).__name__})") from None


def job_row(job: Job) -> str:
    # Rows keep the request as an object (as older mocks wrote it), not as a string in a string;
    # the job's text is spliced in as it is (parsing and writing it again cost half a submit).
    data = job._asdict()
    del data["request_json"]
    timeline = [phase._asdict() for phase in job.timeline]
    head = json.dumps({**data, "timeline": timeline, "cost": str(job.cost)})
    return f'{head[:-1]}, "request": {job.request_json}}}'


_REQUEST_KEY = ', "request": '


def job_from_row(text: str) -> Job:
    # Rows end with the request (this mock's and the previous release's): the head is parsed and
    # the request kept as the text it is, not parsed and written out again (a third of a restart).
    # A quote inside a JSON string is escaped, so the first match is the key of the row itself.
    cut = text.find(_REQUEST_KEY) if isinstance(text, str) and text.endswith("}") else -1
    if cut > 0 and _ends_row(text, cut + len(_REQUEST_KEY)):
        data = _checked(_parse(text[:cut] + "}"), _JOB_FIELDS, _JOB_REQUIRED - {"request"}, "the job")
        request: str | None = text[cut + len(_REQUEST_KEY) : -1]
    else:
        data = _checked(_parse(text), _JOB_FIELDS, _JOB_REQUIRED, "the job")
        request = None

    def build() -> Job:
        phases = [_checked(phase, _PHASE_FIELDS, _PHASE_REQUIRED, "a phase") for phase in data["timeline"]]
        timeline = tuple(Phase(**{**phase, "status": JobStatus(phase["status"])}) for phase in phases)
        kept = request if request is not None else request_text(data.pop("request"))
        return Job(**{**data, "timeline": timeline, "request_json": kept, "cost": Decimal(data["cost"])})

    job: Job = _values(build, "the job")
    return job


def _ends_row(text: str, start: int) -> bool:
    """Whether one JSON object starts at `start` and the row's closing brace follows it."""
    try:
        value, end = _DECODER.raw_decode(text, start)
    except ValueError:
        return False
    return isinstance(value, dict) and end == len(text) - 1


_DECODER = json.JSONDecoder()


def ledger_row(entry: LedgerEntry) -> str:
    balance = None if entry.balance is None else str(entry.balance)
    return json.dumps({**entry._asdict(), "amount": str(entry.amount), "balance": balance})


def ledger_from_row(text: str) -> LedgerEntry:
    data = _checked(_parse(text), _LEDGER_FIELDS, _LEDGER_REQUIRED, "the ledger entry")

    def build() -> LedgerEntry:
        balance = data["balance"]
        amount = Decimal(data["amount"])
        return LedgerEntry(**{**data, "amount": amount, "balance": None if balance is None else Decimal(balance)})

    entry: LedgerEntry = _values(build, "the ledger entry")
    return entry


def entry_from_row(text: str) -> Entry:
    data = _checked(_parse(text), _ENTRY_FIELDS, _ENTRY_REQUIRED, "the journal entry")
    entry: Entry = _values(lambda: Entry(**data), "the journal entry")
    return entry


def delivery_row(delivery: Delivery) -> str:
    data = asdict(delivery)
    data["body"] = delivery.body.decode()  # the event is JSON, so UTF-8
    del data["in_flight"]
    return json.dumps(data)


def delivery_from_row(text: str) -> Delivery:
    data = _checked(_parse(text), _DELIVERY_FIELDS, _DELIVERY_REQUIRED, "the webhook delivery")

    def build() -> Delivery:
        attempts = [
            Attempt(**_checked(attempt, _ATTEMPT_FIELDS, _ATTEMPT_FIELDS, "an attempt"))
            for attempt in data.get("attempts", [])
        ]
        return Delivery(**{**data, "body": data["body"].encode(), "attempts": attempts})

    delivery: Delivery = _values(build, "the webhook delivery")
    return delivery
