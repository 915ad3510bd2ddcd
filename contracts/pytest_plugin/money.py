"""Assertions about what the app under test paid for and how it met expired outputs.

- paid once per intended job: the key was charged for at most `intended` jobs (a retried submit
  that the server had already acted on, under `ghost-submit` or `slow-submit`, is a second
  charge). Read from the mock's ledger, so it counts what was billed, not what the app saw.
- downloaded before expiry or handled 410: no output was asked for again after it answered
  410 (an app that retries a gone output in a loop has not handled it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .journal import Timeline, _fail, _kind
from .recording import Exchange

__all__ = ["MoneyAssertions", "extra_charges", "gone_retried"]


def extra_charges(history: Iterable[Mapping[str, Any]], intended: int) -> list[str]:
    """Problems when the ledger `history` (oldest first) charges more than `intended` jobs."""
    charged = [entry["job_id"] for entry in history if entry["kind"] == "charge"]
    if len(charged) <= intended:
        return []
    return [f"{len(charged)} jobs charged for {intended} intended: {', '.join(map(str, charged))}"]


def gone_retried(exchanges: list[Exchange], timeline: Timeline) -> list[str]:
    problems = []
    gone: dict[tuple[str, str], Exchange] = {}
    for exchange in exchanges:
        operation, job_id = _kind(exchange)
        if operation != "content" or job_id is None:
            continue
        where = (job_id, exchange.query)
        if where in gone:
            problems.append(f"{timeline.name(exchange)} after {timeline.name(gone[where])}")
        if exchange.status == 410:
            gone.setdefault(where, exchange)
    return problems


class MoneyAssertions:
    """Mixed into the fixtures beside `JournalAssertions`."""

    api_key: str

    def exchanges(self) -> list[Exchange]:
        raise NotImplementedError

    @property
    def timeline(self) -> Timeline:
        raise NotImplementedError

    def ledger_history(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def assert_paid_once(self, *, intended: int = 1) -> None:
        """The key was charged for no more jobs than the app meant to make."""
        _fail("paid more than once for an intended job", extra_charges(self.ledger_history(), intended))

    def assert_handled_expiry(self) -> None:
        """Downloaded before the outputs expired, or stopped asking for an output once it was 410."""
        _fail("asked again for an expired output", gone_retried(self.exchanges(), self.timeline))
