"""In-process figures: what the mock costs a test suite that never opens a socket."""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable

from contracts.pytest_plugin.fixtures import ModelGatesMock
from mockserver import OPERATOR, MockConfig, VirtualClock, create_app, mock_controller, new_api_key
from mockserver.wire.body import parse_json

__all__ = ["idle_advance_ms", "in_process_figures", "memory_per_jobs_mb", "poll_loop_ms"]

BODY = {"model": "google/veo-3.1-lite", "prompt": "x", "duration": 4, "resolution": "720p", "aspect_ratio": "16:9"}
KEY = new_api_key("bench")
RAW = json.dumps(BODY).encode()


def _median_ms(action: Callable[[], None], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def fixture_ready_ms(repeat: int = 20) -> float:
    """Building the `modelgates_mock` fixture's object and answering its first request."""

    def ready() -> None:
        mock = ModelGatesMock(scenario="happy", seed=0, api_key=KEY)
        assert mock.client.get("/videos/models").status_code == 200
        mock.close()

    ready()  # the first one pays for imports and document parsing: not a per-test cost
    return _median_ms(ready, repeat)


def reset_ms(repeat: int = 20, jobs: int = 100) -> float:
    """`Controller.reset()` (what the live fixture does per test) after `jobs` submits."""
    control = mock_controller(create_app(MockConfig(), clock=VirtualClock()))
    timings = []
    for _ in range(repeat):
        for _ in range(jobs):
            control.submit(KEY, dict(BODY))
        started = time.perf_counter()
        control.reset(OPERATOR)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def poll_loop_ms(repeat: int = 5) -> float:
    """A 60-poll, 30-virtual-second loop through the fixture's httpx client: wall time."""
    mock = ModelGatesMock(scenario="happy", seed=0, api_key=KEY)
    client = mock.client
    headers = mock.headers

    def loop() -> None:
        job_id = client.post("/videos", json=BODY, headers=headers).json()["id"]
        for _ in range(60):
            mock.advance(30)
            assert client.get(f"/videos/{job_id}", headers=headers).status_code == 200

    try:
        loop()  # warm-up
        return _median_ms(loop, repeat)
    finally:
        mock.close()


def idle_advance_ms(jobs: int = 100_000, repeat: int = 20) -> float:
    """`modelgates_mock.advance(0.1)` (the control API's clock step and sweep) with `jobs` unfinished
    jobs of which none comes due (happy jobs stay pending 5 s at least; 20 steps make 2 s)."""
    app = create_app(MockConfig(max_jobs=None), clock=VirtualClock())
    control = mock_controller(app)
    for _ in range(jobs):
        body, text = parse_json(RAW, "application/json")
        control.submit(KEY, body, base_url="http://127.0.0.1:8000/api/v1", text=text)
    return _median_ms(lambda: control.advance_clock(OPERATOR, 0.1), repeat)


def memory_per_jobs_mb(jobs: int = 100_000) -> float:
    """Traced memory held after `jobs` submits (parsed from bytes, as the route does) with no job cap."""
    control = mock_controller(create_app(MockConfig(max_jobs=None), clock=VirtualClock()))
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(jobs):
            body, text = parse_json(RAW, "application/json")
            control.submit(KEY, body, base_url="http://127.0.0.1:8000/api/v1", text=text)
        gc.collect()
        return (tracemalloc.get_traced_memory()[0] - before) / 1e6
    finally:
        tracemalloc.stop()


def fixture_ratios(rounds: int = 3) -> dict[str, float] | None:
    """Median over rounds of (fixture / respx) for the downstream test and (fixture /
    httpx.MockTransport) for one poll, as `python -m bench.fixture` measures them; None without respx."""
    try:
        import respx  # noqa: F401  (the bench extra)
    except ImportError:
        return None
    from .fixture import Canned, poll_round, workflow_round

    canned = Canned()
    tests = [workflow_round(canned, 5) for _ in range(rounds)]
    polls = [poll_round(canned, 500) for _ in range(rounds)]
    return {
        "test": statistics.median(r["modelgates_mock"] / r["respx"] for r in tests),
        "poll": statistics.median(r["modelgates_mock"] / r["httpx.MockTransport"] for r in polls),
    }


def in_process_figures() -> dict[str, tuple[float, str, float | None]]:
    """name -> (value, unit, upper bound or None)."""
    figures: dict[str, tuple[float, str, float | None]] = {
        "fixture ready (modelgates_mock + first request)": (fixture_ready_ms(), "ms", None),
        "per-test reset (after 100 jobs)": (reset_ms(), "ms", None),
        "60 × 30 s poll loop on the virtual clock": (poll_loop_ms(), "ms", 100.0),
        "advance() with 100,000 unfinished jobs, none due": (idle_advance_ms(), "ms", 1.0),
        "memory per 100,000 jobs": (memory_per_jobs_mb(), "MB", 200.0),
    }
    ratios = fixture_ratios()
    if ratios is not None:
        figures["submit, 60 polls, download: fixture / respx"] = (ratios["test"], "×", 1.0)
        figures["one poll: fixture / httpx.MockTransport"] = (ratios["poll"], "×", 1.2)
    else:  # said, not silently left out of the table: two of its targets are these rows
        print("bench: the fixture's rows need respx: pip install -e '.[bench]'", file=sys.stderr)
    return figures
