"""The store's port: where its changes go besides memory (`StoreWriter`), and what a failed
write raises (`WriteFailed`)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Protocol

from mockserver.domain.jobs import Job

__all__ = ["NullWriter", "StoreWriter", "WriteFailed"]


class WriteFailed(Exception):
    """A change could not be made durable (the state file's disk is full, say); nothing was kept."""


class StoreWriter(Protocol):
    """Where the store's changes go besides memory: nowhere by default, a state file with `--state`.

    `operation()` makes every write inside it (the ledger's and the webhooks' too) one all-or-nothing
    unit. With an `undo`, a unit that cannot be written is taken back by calling it and raises
    `WriteFailed`; a writer that groups such units (a served mock's submits) may instead call it
    when the group fails, and tells the waiting request. `when_written(then)` runs `then` once the
    last such unit is written (at once when it is, or when there is nothing to write), never when
    it was taken back. Without an `undo`, memory stands and the writer retries the unit with its
    next write.
    """

    def job(self, job: Job) -> None: ...
    def moved(self, job: Job) -> None: ...  # to another phase of the same timeline
    # A job whose polls or downloads were counted, nothing else changed: bookkeeping, which a
    # writer may keep for its next write (a kill -9 may lose the last ones; DECISIONS.md).
    def counted(self, job: Job) -> None: ...
    def forget_job(self, job_id: str) -> None: ...
    def tenant(self, tenant: str, scenario: str | None, disabled: bool) -> None: ...
    def count(self, scope: str, operation: str, value: int) -> None: ...  # bookkeeping too
    def forget_counts(self, scope: str) -> None: ...
    def operation(self, *, undo: Callable[[], None] | None = None) -> AbstractContextManager[None]: ...
    def when_written(self, then: Callable[[], None]) -> None: ...


_NOTHING = nullcontext()  # reusable: every in-memory operation shares it


class NullWriter:
    """In-memory mode: changes go nowhere else."""

    def job(self, job: Job) -> None:
        pass

    def moved(self, job: Job) -> None:
        pass

    def counted(self, job: Job) -> None:
        pass

    def forget_job(self, job_id: str) -> None:
        pass

    def tenant(self, tenant: str, scenario: str | None, disabled: bool) -> None:
        pass

    def count(self, scope: str, operation: str, value: int) -> None:
        pass

    def forget_counts(self, scope: str) -> None:
        pass

    def operation(self, *, undo: Callable[[], None] | None = None) -> AbstractContextManager[None]:
        return _NOTHING

    def when_written(self, then: Callable[[], None]) -> None:
        then()
