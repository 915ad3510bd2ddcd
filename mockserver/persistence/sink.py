"""What the shell asks of the place state is kept besides memory: nowhere by default, a state file
with `--state`. (The domain's producers have callbacks of their own: `StoreWriter`, `on_entry`,
`on_record`, `on_delivery`, wired in `http.app.build_state`.)"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from mockserver.domain.clock import Clock

__all__ = ["NullSink", "StateSink"]


class StateSink(Protocol):
    def clock_moved(self, clock: Clock) -> None: ...
    def clear(self) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


class NullSink:
    """In-memory mode: changes go nowhere else."""

    def clock_moved(self, clock: Clock) -> None:
        pass

    def clear(self) -> None:
        pass

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass
