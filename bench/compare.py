"""The live comparison: mockserver and the bare app, same uvicorn, same bytes, same load.

One round starts each server fresh (startup time: the median of a few spawns), runs every load
against it, then reads its RSS. Rounds alternate the two servers so that drift on the machine
hits both alike.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mockserver import new_api_key

from .loadgen import Load, Request, run_load
from .servers import Running, request, start_bare, start_mock, wait_completed

__all__ = ["Figures", "LOADS", "capture_bodies", "median_metrics", "metrics", "round_for"]

SUBMIT_BODY = b'{"model":"google/veo-3.1-lite","prompt":"x","duration":4,"resolution":"720p","aspect_ratio":"16:9"}'
KEY = new_api_key("bench")
AUTH = {"Authorization": f"Bearer {KEY}"}
JSON_AUTH = {**AUTH, "Content-Type": "application/json"}

# name -> (route kind, connections)
LOADS: dict[str, tuple[str, int]] = {
    "poll c1": ("poll", 1),
    "poll c64": ("poll", 64),
    "submit c64": ("submit", 64),
    "content c64": ("content", 64),
}


@dataclass
class Figures:
    startup_s: float
    rss_mb: float
    loads: dict[str, Load]


def _completed_job(port: int) -> tuple[str, bytes, bytes]:
    status, submitted = request(port, "POST", "/api/v1/videos", SUBMIT_BODY, JSON_AUTH)
    if status != 202:
        raise RuntimeError(f"submit answered {status}: {submitted[:200]!r}")
    job_id = json.loads(submitted)["id"]
    return job_id, submitted, wait_completed(port, job_id, AUTH)


def capture_bodies() -> Path:
    """Run the mock once and keep the bytes it answers, for the bare app to serve."""
    folder = Path(tempfile.mkdtemp(prefix="mock-bodies-"))
    server = start_mock()
    try:
        job_id, submitted, polled = _completed_job(server.port)
        files = {
            "submit.json": submitted,
            "poll.json": polled,
            "models.json": request(server.port, "GET", "/api/v1/videos/models")[1],
            "content.mp4": request(server.port, "GET", f"/api/v1/videos/{job_id}/content?index=0", headers=AUTH)[1],
        }
    finally:
        server.stop()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def _requests(server: Running) -> dict[str, Request]:
    job_id = _completed_job(server.port)[0] if server.name == "mockserver" else "bare0000000000000000"
    base = f"{server.url}/api/v1/videos"
    return {
        "poll": Request("GET", f"{base}/{job_id}", AUTH),
        "submit": Request("POST", base, JSON_AUTH, SUBMIT_BODY),
        "content": Request("GET", f"{base}/{job_id}/content?index=0", AUTH),
    }


# Startup is one spawn against another, ~0.1 s each: the noisiest figure, so each round takes
# the median of this many spawns (the first of them then serves the loads).
STARTUPS_PER_ROUND = 5


def _start(kind: str, bodies: Path) -> Running:
    return start_mock() if kind == "mockserver" else start_bare(bodies)


def _startup_s(kind: str, bodies: Path, first: float) -> float:
    times = [first]
    for _ in range(STARTUPS_PER_ROUND - 1):
        server = _start(kind, bodies)
        server.stop()
        times.append(server.startup_s)
    return statistics.median(times)


def round_for(kind: str, bodies: Path, wrk: str | None, seconds: float) -> Figures:
    server = _start(kind, bodies)
    try:
        targets = _requests(server)
        run_load(wrk, targets["poll"], 8, min(1.0, seconds))  # warm-up (not counted)
        loads = {}
        for name, (route, connections) in LOADS.items():
            # A fresh completed job each time: after the submit load the first one may be past max_jobs.
            targets = _requests(server)
            loads[name] = run_load(wrk, targets[route], connections, seconds)
            if loads[name].errors:
                raise RuntimeError(f"{server.name} {name}: {loads[name].errors} errors")
        rss = server.rss_mb()
    finally:
        server.stop()
    return Figures(_startup_s(kind, bodies, server.startup_s), rss, loads)


def metrics(figures: Figures) -> dict[str, float]:
    """The reported numbers of one round, by name."""
    out = {"startup s": figures.startup_s, "RSS after load MB": figures.rss_mb}
    for name, load in figures.loads.items():
        if name.startswith("content"):
            out[f"{name} MB/s"] = load.mb_per_s
        else:
            out[f"{name} req/s"] = load.rps
        out[f"{name} p50 ms"] = load.p50_ms
        out[f"{name} p99 ms"] = load.p99_ms
    return out


def median_metrics(rounds: list[Figures]) -> dict[str, float]:
    table = [metrics(figures) for figures in rounds]
    return {name: statistics.median(row[name] for row in table) for name in table[0]}
