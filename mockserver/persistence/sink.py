"""Where state changes go besides memory: nowhere by default, a SQLite file with `--state`.

The store, ledger and journal call a `StateSink` after each change (write-through), so a server
killed at any moment restarts with everything it had acknowledged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from mockserver.domain.clock import Clock
    from mockserver.domain.jobs import Job
    from mockserver.domain.journal import Entry
    from mockserver.domain.ledger import LedgerEntry
    from mockserver.webhooks.delivery import Delivery

__all__ = ["NullSink", "StateSink"]


class StateSink(Protocol):
    def job(self, job: Job) -> None: ...
    def forget_job(self, job_id: str) -> None: ...
    def tenant_scenario(self, tenant: str, scenario: str | None) -> None: ...
    def count(self, scope: str, operation: str, value: int) -> None: ...
    def ledger(self, entry: LedgerEntry) -> None: ...
    def journal(self, entry: Entry) -> None: ...
    def delivery(self, delivery: Delivery) -> None: ...
    def clock_moved(self, clock: Clock) -> None: ...
    def clear(self) -> None: ...


class NullSink:
    """In-memory mode: changes go nowhere else."""

    def job(self, job: Job) -> None:
        pass

    def forget_job(self, job_id: str) -> None:
        pass

    def tenant_scenario(self, tenant: str, scenario: str | None) -> None:
        pass

    def count(self, scope: str, operation: str, value: int) -> None:
        pass

    def ledger(self, entry: LedgerEntry) -> None:
        pass

    def journal(self, entry: Entry) -> None:
        pass

    def delivery(self, delivery: Delivery) -> None:
        pass

    def clock_moved(self, clock: Clock) -> None:
        pass

    def clear(self) -> None:
        pass
