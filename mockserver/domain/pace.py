"""How an answer is to be delivered, beside what it says: held back (`latency`) or dropped.

Scenario faults decide this inside the service, whose calls return a job or raise an ApiError;
the shell that sends the answer reads it here afterwards. A context variable, so concurrent
requests (each its own asyncio task or thread) never see each other's pace.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import NamedTuple

__all__ = ["NORMAL", "Pace", "set_pace", "take_pace"]


class Pace(NamedTuple):
    latency: float = 0.0  # real seconds before the answer goes out
    drop: bool = False  # close the connection instead of answering


NORMAL = Pace()

_PACE: ContextVar[Pace] = ContextVar("modelgates_pace", default=NORMAL)


def set_pace(latency: float | None, drop: bool) -> None:
    """Note what a fault asks of this answer (the longest latency of several wins)."""
    current = _PACE.get()
    _PACE.set(Pace(max(current.latency, latency or 0.0), current.drop or drop))


def take_pace() -> Pace:
    """This answer's pace, reset for the next one of the same task."""
    pace = _PACE.get()
    if pace is not NORMAL:
        _PACE.set(NORMAL)
    return pace
