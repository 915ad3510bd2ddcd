"""The live comparison: mockserver and the bare app, same uvicorn, same bytes, same load.

One round starts both servers fresh, runs each load against one and right after against the
other (which goes first alternates by round), then reads both RSS and times a few more spawns of
each (startup: their median). Pairing every load in time matters on a shared machine: its speed
drifts by tens of percent over a minute, and a ratio of two measurements a few seconds apart is
far steadier than a ratio of two taken half a minute apart. The reported ratio of a metric is
the median of its per-round ratios.

With a peer (`peers=("aimock",)`), the peer runs every load too, in the same round: the order is
bare, mockserver, peer, reversed every other round, so the mock is next to each of the other two
and goes before each of them in one round and after it in the next; the bare/mock pairs are the
ones they would be without the peer.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mockserver import new_api_key

from .loadgen import Load, Request, run_load
from .servers import (
    AIMOCK_CONFIG,
    Running,
    request,
    start_aimock,
    start_bare,
    start_mock,
    wait_completed,
    write_aimock_config,
)

__all__ = [
    "AIMOCK",
    "KINDS",
    "LOADS",
    "PEERS",
    "Figures",
    "capture_bodies",
    "completed_job",
    "median_metrics",
    "metrics",
    "paired_round",
    "prepare_aimock",
    "round_ratios",
]

KINDS = ("bare", "mockserver")
AIMOCK = "aimock"
PEERS = (AIMOCK,)

MODEL = "google/veo-3.1-lite"
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


def completed_job(port: int, accepted: int = 202) -> tuple[str, bytes, bytes]:
    status, submitted = request(port, "POST", "/api/v1/videos", SUBMIT_BODY, JSON_AUTH)
    if status != accepted:
        raise RuntimeError(f"submit answered {status}: {submitted[:200]!r}")
    job_id = json.loads(submitted)["id"]
    return job_id, submitted, wait_completed(port, job_id, AUTH)


def capture_bodies() -> Path:
    """Run the mock once and keep the bytes it answers, for the bare app to serve."""
    folder = Path(tempfile.mkdtemp(prefix="mock-bodies-"))
    server = start_mock()
    try:
        job_id, submitted, polled = completed_job(server.port)
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


def prepare_aimock(bodies: Path) -> None:
    """aimock's config and fixture, next to the bodies (its MP4 is the mock's)."""
    write_aimock_config(bodies, KEY, MODEL)


def _job_id(server: Running) -> str:
    if server.name == "mockserver":
        return completed_job(server.port)[0]
    if server.name == AIMOCK:
        # aimock answers a submit 200 "pending"; with its default progression (no polls before
        # the end) the job is completed by the time of its first poll.
        return completed_job(server.port, accepted=200)[0]
    return "bare0000000000000000"


def _check_aimock_content(server: Running, bodies: Path) -> None:
    """The content load is only comparable if aimock moves the mock's bytes: check once a round."""
    job_id = _job_id(server)
    status, data = request(server.port, "GET", f"/api/v1/videos/{job_id}/content?index=0", headers=AUTH)
    if status != 200 or data != (bodies / "content.mp4").read_bytes():
        raise RuntimeError(f"aimock content answered {status} with {len(data)} bytes, not the mock's MP4")


def _requests(server: Running) -> dict[str, Request]:
    job_id = _job_id(server)
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
    if kind == AIMOCK:
        return start_aimock(bodies / AIMOCK_CONFIG, AUTH)
    return start_mock() if kind == "mockserver" else start_bare(bodies)


def _startup_s(kind: str, bodies: Path, first: float) -> float:
    times = [first]
    for _ in range(STARTUPS_PER_ROUND - 1):
        server = _start(kind, bodies)
        server.stop()
        times.append(server.startup_s)
    return statistics.median(times)


def paired_round(
    bodies: Path, wrk: str | None, seconds: float, mock_first: bool = False, peers: tuple[str, ...] = ()
) -> dict[str, Figures]:
    """Both servers (and the peers) through the same loads, each load run on one and then on the other."""
    kinds = KINDS + peers
    order = kinds[::-1] if mock_first else kinds
    servers = {kind: _start(kind, bodies) for kind in order}
    try:
        if AIMOCK in servers:
            _check_aimock_content(servers[AIMOCK], bodies)
        for server in servers.values():
            run_load(wrk, _requests(server)["poll"], 8, min(1.0, seconds))  # warm-up (not counted)
        loads: dict[str, dict[str, Load]] = {kind: {} for kind in order}
        for name, (route, connections) in LOADS.items():
            for kind in order:
                # A fresh completed job each time: after the submit load the first may be past max_jobs.
                load = run_load(wrk, _requests(servers[kind])[route], connections, seconds)
                if load.errors:
                    raise RuntimeError(f"{kind} {name}: {load.errors} errors")
                loads[kind][name] = load
        rss = {kind: server.rss_mb() for kind, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
    return {kind: Figures(_startup_s(kind, bodies, servers[kind].startup_s), rss[kind], loads[kind]) for kind in kinds}


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


def round_ratios(rounds: list[dict[str, Figures]], against: str = "bare") -> dict[str, list[float]]:
    """Per metric, mockserver / `against` (the bare app, or a peer) within each round."""
    ratios: dict[str, list[float]] = {}
    for pair in rounds:
        base, mock = metrics(pair[against]), metrics(pair["mockserver"])
        for name, value in base.items():
            ratios.setdefault(name, []).append(mock[name] / value if value else float("nan"))
    return ratios
