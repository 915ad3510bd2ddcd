"""How a state file tells of failing writes: rarely, and once more when they work again."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from pathlib import Path

__all__ = ["Complaints"]

log = logging.getLogger("mockserver")

_QUIET = 60.0  # seconds between two log lines about the same kind of failed write


class Complaints:
    """At most one log line per kind of failed write per `_QUIET` seconds, and one on recovery."""

    def __init__(self, path: Path, clock: Callable[[], float]) -> None:
        self._path, self._clock = path, clock
        self._last: dict[str, float] = {}
        self.failures = 0  # since writes last worked

    def failed(self, exc: Exception) -> None:
        self.failures += 1
        kind, now = str(exc), self._clock()
        if now - self._last.get(kind, -math.inf) < _QUIET:
            return
        if len(self._last) > 100:  # messages are few; this only bounds a pathological case
            self._last.clear()
        self._last[kind] = now
        log.warning(
            "state file %s: writes fail (%s); new jobs are refused with 500, other changes wait for the next write",
            self._path,
            kind,
        )

    def recovered(self) -> None:
        if self.failures:
            log.warning("state file %s: writes work again (%d failed meanwhile)", self._path, self.failures)
            self.failures = 0
            self._last.clear()
