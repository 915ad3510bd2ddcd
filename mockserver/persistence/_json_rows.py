"""Rows as JSON documents: a webhook delivery in every schema, and the job, ledger and journal
rows of schemas 0-2 (read once, by the migration to columns).

A document with a field this mock does not know, or without one it needs, comes from another
version (or was edited): reading it raises `RowError` rather than guessing. Fields added later
get defaults, so documents of earlier releases keep loading.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from mockserver.domain.jobs import Job, JobStatus, Phase, request_text
from mockserver.domain.journal import Entry
from mockserver.domain.ledger import LedgerEntry
from mockserver.persistence.rows import RowError, checked_build
from mockserver.webhooks.delivery import Attempt, Delivery

__all__ = ["delivery_from_row", "delivery_row", "entry_from_row", "job_from_row", "ledger_from_row"]


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


_REQUEST_KEY = ', "request": '


def job_from_row(text: str) -> Job:
    # Rows end with the request (as schemas 1-2 wrote them): the head is parsed and the request
    # kept as the text it is. A quote inside a JSON string is escaped, so the first match is the
    # key of the row itself.
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

    job: Job = checked_build(build, "the job")
    return job


def _ends_row(text: str, start: int) -> bool:
    """Whether one JSON object starts at `start` and the row's closing brace follows it."""
    try:
        value, end = _DECODER.raw_decode(text, start)
    except ValueError:
        return False
    return isinstance(value, dict) and end == len(text) - 1


_DECODER = json.JSONDecoder()


def ledger_from_row(text: str) -> LedgerEntry:
    data = _checked(_parse(text), _LEDGER_FIELDS, _LEDGER_REQUIRED, "the ledger entry")

    def build() -> LedgerEntry:
        balance = data["balance"]
        amount = Decimal(data["amount"])
        return LedgerEntry(**{**data, "amount": amount, "balance": None if balance is None else Decimal(balance)})

    entry: LedgerEntry = checked_build(build, "the ledger entry")
    return entry


def entry_from_row(text: str) -> Entry:
    data = _checked(_parse(text), _ENTRY_FIELDS, _ENTRY_REQUIRED, "the journal entry")
    entry: Entry = checked_build(lambda: Entry(**data), "the journal entry")
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

    delivery: Delivery = checked_build(build, "the webhook delivery")
    return delivery
