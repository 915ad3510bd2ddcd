"""Time for the mock: an injectable clock, so that no domain code reads the wall clock.

`VirtualClock` is what tests use (a 30-minute job finishes when the test says so);
`SystemClock` is what the CLI uses, optionally running faster than real time (`--speed 60`
makes a vendor minute pass in a real second); `PacedClock` is the live pytest fixture's: it
runs by itself at a speed each test may change (0: stands still), and `advance` jumps it.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

__all__ = ["DEFAULT_EPOCH", "Clock", "PacedClock", "SystemClock", "VirtualClock"]

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


class PacedClock:
    """Virtual time that also runs by itself at `speed` mock seconds per real second.

    For live servers in tests: an app that is not Python sleeps for real and still sees jobs move,
    while the test can `advance` it too. `speed` 0 stands still (a `VirtualClock` in effect).
    """

    def __init__(self, *, speed: float = 1.0, start: float = DEFAULT_EPOCH) -> None:
        self._lock = threading.Lock()
        self._base = float(start)
        self._since = time.monotonic()
        self.speed = _pace(speed)

    def now(self) -> float:
        return self._base + (time.monotonic() - self._since) * self.speed

    def set_speed(self, speed: float) -> None:
        """Run at `speed` from now on; time so far is kept (never goes backwards)."""
        speed = _pace(speed)
        with self._lock:
            self._base, self._since = self.now(), time.monotonic()
            self.speed = speed

    def advance(self, seconds: float) -> float:
        """Jump forward by `seconds` (never backwards) and return the new time."""
        if seconds < 0:
            raise ValueError("a clock never goes backwards")
        with self._lock:
            self._base += seconds
            return self.now()


def _pace(speed: float) -> float:
    if not speed >= 0 or speed == float("inf"):
        raise ValueError("speed must be a finite number >= 0")
    return float(speed)
