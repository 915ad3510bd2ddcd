"""`python -m bench.durable`: what `--state` costs a poll and a submit, measured paired.

Each round starts two mocks (one with a fresh state file), warms both, then runs each load
(poll of a completed job, then submit; 64 connections) on the two in turn, in `--slices` slices
of `--seconds / --slices` each (memory, --state, memory, --state ...; which goes first alternates
by round): this machine drifts by tens of percent within seconds, so the two are measured
interleaved rather than one after the other. A round's ratio is --state's requests a second
over memory's, summed over its slices; the table shows the median of the rounds' ratios and
their range. Bounded: `--rounds` × 4 loads of `--seconds`; every server on 127.0.0.1, stopped
afterwards.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from pathlib import Path

from .compare import AUTH, JSON_AUTH, SUBMIT_BODY, completed_job
from .loadgen import Load, Request, ensure_wrk, run_load
from .servers import Running, start_mock

__all__ = ["TARGETS", "main", "paired_round"]

# --state / in-memory, 64 connections (issue 17; issue 15 asked at least 0.5 for submits)
TARGETS = {"poll": 0.9, "submit": 0.7}
CONNECTIONS = 64


def _submit(server: Running) -> Request:
    return Request("POST", f"{server.url}/api/v1/videos", JSON_AUTH, SUBMIT_BODY)


def _requests(server: Running) -> dict[str, Request]:
    job_id = completed_job(server.port)[0]
    return {"poll": Request("GET", f"{server.url}/api/v1/videos/{job_id}", AUTH), "submit": _submit(server)}


def paired_round(wrk: str | None, seconds: float, slices: int, state_first: bool) -> dict[str, dict[str, Load]]:
    """kind ("poll", "submit") -> server ("memory", "state") -> its load (slices summed)."""
    folder = Path(tempfile.mkdtemp(prefix="mock-state-"))
    servers = {"memory": start_mock(), "state": start_mock(["--state", str(folder / "state.sqlite")])}
    try:
        order = sorted(servers, reverse=state_first)  # "memory" < "state"
        for name in order:  # warm-up (not counted)
            run_load(wrk, _submit(servers[name]), 8, min(1.0, seconds))
        # The polled job comes after the warm-up: one past --max-jobs submits (the faster server's)
        # retired a job made before it, and its "polls" were 404s, counted as requests.
        requests = {name: _requests(servers[name]) for name in order}
        loads: dict[str, dict[str, Load]] = {}
        for kind in TARGETS:
            parts: dict[str, list[Load]] = {name: [] for name in order}
            for _ in range(slices):
                for name in order:
                    parts[name].append(run_load(wrk, requests[name][kind], CONNECTIONS, seconds / slices))
            loads[kind] = {name: _summed(done) for name, done in parts.items()}
        return loads
    finally:
        for server in servers.values():
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _summed(loads: list[Load]) -> Load:
    """Slices as one load (latencies: the slowest slice's)."""
    return Load(
        sum(load.requests for load in loads),
        sum(load.seconds for load in loads),
        sum(load.bytes for load in loads),
        sum(load.errors for load in loads),
        max(load.p50_ms for load in loads),
        max(load.p99_ms for load in loads),
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.durable", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--slices", type=int, default=3)
    args = parser.parse_args()
    wrk = ensure_wrk()
    ratios: dict[str, list[float]] = {kind: [] for kind in TARGETS}
    rates: dict[str, dict[str, list[float]]] = {kind: {"memory": [], "state": []} for kind in TARGETS}
    for number in range(args.rounds):
        loads = paired_round(wrk, args.seconds, args.slices, state_first=bool(number % 2))
        parts = []
        for kind, pair in loads.items():
            ratio = pair["state"].rps / pair["memory"].rps
            ratios[kind].append(ratio)
            for name, load in pair.items():
                rates[kind][name].append(load.rps)
            errors = f"errors {pair['memory'].errors}/{pair['state'].errors}"
            parts.append(f"{kind} {pair['memory'].rps:,.0f} / {pair['state'].rps:,.0f} req/s ({errors}) {ratio:.2f}")
        print(f"round {number + 1} (memory / --state): " + "; ".join(parts), flush=True)
    print(f"\n| c{CONNECTIONS} | in memory req/s | --state req/s | ratio | rounds' ratios | target |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind, target in TARGETS.items():
        median = statistics.median(ratios[kind])
        memory, state = (statistics.median(rates[kind][name]) for name in ("memory", "state"))
        verdict = "pass" if median >= target else "FAIL"
        spread = f"{min(ratios[kind]):.2f}–{max(ratios[kind]):.2f}"
        print(f"| {kind} | {memory:,.0f} | {state:,.0f} | {median:.2f}× | {spread} | ≥ {target}× {verdict} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
