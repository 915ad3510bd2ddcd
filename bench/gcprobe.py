"""Imported by a server `bench.tail` starts: its collections while serving, by generation, written at exit.

`BENCH_GC_LOG` names the JSON file: {"0": [ms, ...], "1": [...], "2": [...]}.
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import time
from typing import Any

_pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
_started = [0.0]


def _timed(phase: str, info: dict[str, Any]) -> None:
    if not gc.get_freeze_count():
        return  # still starting: the CLI freezes the startup heap just before it serves
    if phase == "start":
        _started[0] = time.perf_counter()
    else:
        _pauses[info["generation"]].append((time.perf_counter() - _started[0]) * 1000)


def _write() -> None:
    with open(os.environ["BENCH_GC_LOG"], "w", encoding="utf-8") as out:
        json.dump({str(gen): pauses for gen, pauses in _pauses.items()}, out)


if os.environ.get("BENCH_GC_LOG"):
    gc.callbacks.append(_timed)
    atexit.register(_write)
