"""Time for the mock: an injectable clock, so that no domain code reads the wall clock.

`VirtualClock` is what tests use (a 30-minute job finishes when the test says so);
`SystemClock` is what the CLI uses, optionally running faster than real time (`--speed 60`
makes a vendor minute pass in a real second).
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

__all__ = ["DEFAULT_EPOCH", "Clock", "SystemClock", "VirtualClock"]

# 2026-11-19T00:00:00Z: a fixed, recognisable start for virtual time.
DEFAULT_EPOCH = 1_795_046_400.0


class Clock(Protocol):
    """Anything with `now()`: Unix seconds as the mock sees them."""

    def now(self) -> float: ...


class SystemClock:
    """Real time, scaled by `speed` from the moment the clock is created (from `start`, if given)."""

    def __init__(self, *, speed: float = 1.0, start: float | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        # `start`: the mock time right now (a restarted server resumes its own timeline).
        self._wall_start = time.time() if start is None else start
        self._mono_start = time.monotonic()
        self._offset = 0.0  # skipped ahead by `advance` (local development: "skip 5 minutes")
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._wall_start + (time.monotonic() - self._mono_start) * self.speed + self._offset

    def advance(self, seconds: float) -> float:
        """Jump forward by `seconds` (never backwards) and return the new time."""
        if seconds < 0:
            raise ValueError("a clock never goes backwards")
        with self._lock:
            self._offset += seconds
        return self.now()


class VirtualClock:
    """Time that moves only when told to. Thread-safe: a live server thread may read it."""

    def __init__(self, start: float = DEFAULT_EPOCH) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        """Move time forward (never backwards) and return the new time."""
        if seconds < 0:
            raise ValueError("a clock never goes backwards")
        with self._lock:
            self._now += seconds
            return self._now
