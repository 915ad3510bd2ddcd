"""Imported by a server `bench.tail --stalls` starts: event-loop stalls, with where the loop was.

A heartbeat on the server's loop (every 2 ms) and a watchdog thread: while the heartbeat is
older than `_STALL_S`, the thread samples the main thread's stack every 2 ms. Each stall is
written at exit to the JSON file `BENCH_STALL_LOG` names: its wall time, the main thread's CPU
time over it (a stall with little CPU is the process waiting for a core, not work), the
collections inside it, and its samples (innermost frames first). A collection holds the GIL,
so its samples come after it: the `gc_ms` field says how much of a stall was the collector.
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import json
import os
import sys
import threading
import time
from typing import Any

import uvicorn.server

_STALL_S = 0.02
_TICK_S = 0.002
_beat = [time.perf_counter()]
_stalls: list[dict[str, Any]] = []
_gc: list[tuple[float, float]] = []  # (start, end) of each collection while serving
_gc_start = [0.0, 0.0]
_gc_rows: list[dict[str, float]] = []  # each collection: generation, wall and CPU ms, collected


def _stack(frame: Any, depth: int = 12) -> list[str]:
    out: list[str] = []
    while frame is not None and len(out) < depth:
        code = frame.f_code
        out.append(f"{os.path.basename(code.co_filename)}:{code.co_name}:{frame.f_lineno}")
        frame = frame.f_back
    return out


def _watch(main_id: int) -> None:
    clock = time.pthread_getcpuclockid(main_id)
    cpu0 = time.clock_gettime(clock)
    while True:
        time.sleep(_TICK_S)
        beat = _beat[0]
        if time.perf_counter() - beat < _STALL_S:
            cpu0 = time.clock_gettime(clock)  # the main thread's CPU time within a tick of the beat
            continue
        samples = []
        while _beat[0] == beat:  # bounded by the stall: the heartbeat moves when the loop does
            frame = sys._current_frames().get(main_id)
            samples.append(_stack(frame))
            time.sleep(_TICK_S)
        end = _beat[0]
        gc_ms = sum(max(0.0, min(b, end) - max(a, beat)) for a, b in _gc[-20:]) * 1000
        _stalls.append(
            {
                "ms": (end - beat) * 1000,
                "cpu_ms": (time.clock_gettime(clock) - cpu0) * 1000,
                "gc_ms": gc_ms,
                "samples": samples,
            }
        )


def _heartbeat(loop: asyncio.AbstractEventLoop) -> None:
    _beat[0] = time.perf_counter()
    loop.call_later(_TICK_S, _heartbeat, loop)


def _timed(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _gc_start[0], _gc_start[1] = time.perf_counter(), time.thread_time()
    else:
        end = time.perf_counter()
        _gc.append((_gc_start[0], end))
        _gc_rows.append(
            {
                "gen": info["generation"],
                "ms": (end - _gc_start[0]) * 1000,
                "cpu_ms": (time.thread_time() - _gc_start[1]) * 1000,
                "collected": info["collected"],
            }
        )


_serve = uvicorn.server.Server.serve


async def _serve_watched(self: uvicorn.server.Server, sockets: Any = None) -> None:
    _heartbeat(asyncio.get_running_loop())
    threading.Thread(target=_watch, args=(threading.get_ident(),), daemon=True).start()
    await _serve(self, sockets)


def _write() -> None:
    with open(os.environ["BENCH_STALL_LOG"], "w", encoding="utf-8") as out:
        json.dump({"stalls": _stalls, "collections": _gc_rows}, out)


if os.environ.get("BENCH_STALL_LOG"):
    uvicorn.server.Server.serve = _serve_watched  # type: ignore[method-assign]
    gc.callbacks.append(_timed)
    atexit.register(_write)
