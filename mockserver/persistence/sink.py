"""What the shell asks of the place state is kept besides memory: nowhere by default, a state file
with `--state`. (The domain's producers have callbacks of their own: `StoreWriter`, `on_entry`,
`on_record`, `on_delivery`, wired in `http.app.build_state`.)"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import asyncio

    from mockserver.domain.clock import Clock
    from mockserver.domain.store import WriteFailed

__all__ = ["NullSink", "StateSink"]


class StateSink(Protocol):
    # True: nothing is written anywhere, so a request need not group or wait (`grouped`, `settled`).
    in_memory: bool

    def clock_moved(self, clock: Clock) -> None: ...
    def clear(self) -> None: ...
    def flush(self) -> None: ...
    # A served mock writes its journal rows on a thread of their own (`write_behind`); `tick` is
    # its loop's 100 ms turn: what waits is written, the journal's rows by that thread.
    def tick(self) -> None: ...
    def write_behind(self) -> None: ...
    def close(self) -> None: ...
    # A served mock's submits share their loop turn's commit: a submit's request runs inside
    # `grouped()` and, before answering, awaits what `settled()` gives (None: it is written).
    def group_commits(self, loop: asyncio.AbstractEventLoop) -> None: ...
    def grouped(self) -> AbstractContextManager[None]: ...
    def settled(self) -> asyncio.Future[WriteFailed | None] | None: ...


_NOTHING = nullcontext()


class NullSink:
    """In-memory mode: changes go nowhere else."""

    in_memory = True

    def clock_moved(self, clock: Clock) -> None:
        pass

    def clear(self) -> None:
        pass

    def flush(self) -> None:
        pass

    def tick(self) -> None:
        pass

    def write_behind(self) -> None:
        pass

    def close(self) -> None:
        pass

    def group_commits(self, loop: asyncio.AbstractEventLoop) -> None:
        pass

    def grouped(self) -> AbstractContextManager[None]:
        return _NOTHING

    def settled(self) -> asyncio.Future[WriteFailed | None] | None:
        return None
