"""`python -m bench.tail`: submit latency under a steady store (a flood past `--max-jobs`).

The mock CLI (`--speed 1000`: jobs finish in ~0.1 s, so every submit past the bound retires
one) takes submits in consecutive windows of `--window` seconds, two or three times:

- saturation: wrk, 64 connections, closed loop (each connection sends when its last answer
  came). Its p50/p99 mostly restate the server's rate (64 / rate), and a stalled server is sent
  nothing while it stalls, so they are a throughput figure;
- with `--closed`, the same flood from a client of this process's (`closed_loop`: wrk's loop on
  asyncio), right after wrk's: wrk records single requests of 150–300 ms on any server as slow
  as the mock (README), and a spike both clients see is the server's;
- fixed rate (`--rate`, default 2,500 submits/s, a load both servers sustain; 0: skip): an
  open loop (`bench/openloop.py`), each request timed from when it was due, so a stall is
  charged to every request it held up. Run right after the flood, on the store it left full.

Each window's rate, p50, p99 and slowest request, and the server's RSS at the end. The server's
garbage collections while serving are counted and timed (`bench/gcprobe.py`); `--stalls` also
records its event-loop stalls over 20 ms with where the loop was (`bench/stallprobe.py`).
`--gc` runs it with a Python statement first, to compare collector settings (the CLI sets its
own after startup: `--gc "import gc; gc.set_threshold = lambda *a: None"` keeps the defaults);
`--bare` runs the bare app the same way. Bounded by 3 × `--windows × --window` s per server.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .compare import JSON_AUTH, SUBMIT_BODY, capture_bodies
from .loadgen import ensure_wrk
from .openloop import Sample, closed_loop, open_loop
from .servers import Running, _spawn, free_port, start_bare

__all__ = ["flood", "main"]

_LUA = """
wrk.method = "POST"
wrk.body = %s
%s
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'TAIL {"requests":%%d,"duration_us":%%d,"errors":%%d,"p50_us":%%d,"p99_us":%%d,"max_us":%%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout + e.status,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def start_mock_with(setup: str | None, extra: list[str], gc_log: Path, stall_log: Path | None = None) -> Running:
    port = free_port()
    prelude = f"{setup}; " if setup else ""
    probes = "bench.gcprobe, bench.stallprobe" if stall_log else "bench.gcprobe"
    code = f"import sys, {probes}; {prelude}from mockserver.cli import main; sys.exit(main(sys.argv[1:]))"
    args = [sys.executable, "-c", code, "--port", str(port), "--speed", "1000", *extra]
    logs = {"BENCH_GC_LOG": gc_log, "BENCH_STALL_LOG": stall_log}  # the probes read them; written at exit
    os.environ.update({name: str(path) for name, path in logs.items() if path})
    try:
        return _spawn("mockserver", args, port)
    finally:
        for name in logs:
            os.environ.pop(name, None)


def _collections(gc_log: Path) -> str:
    if not gc_log.exists():
        return "collections: not recorded (the server did not exit cleanly)"
    pauses = json.loads(gc_log.read_text())
    parts = [f"gen{gen}: {len(ms)} ({sum(ms):.0f} ms, longest {max(ms, default=0):.1f})" for gen, ms in pauses.items()]
    return "collections " + ", ".join(parts)


def _stalls(stall_log: Path) -> list[str]:
    if not stall_log.exists():
        return ["stalls: not recorded (the server did not exit cleanly)"]
    stalls = json.loads(stall_log.read_text())["stalls"]
    lines = [f"event-loop stalls over 20 ms: {len(stalls)}"]
    for stall in sorted(stalls, key=lambda stall: -stall["ms"])[:5]:
        where = collections.Counter(" < ".join(sample[:3]) for sample in stall["samples"]).most_common(1)
        lines.append(
            f"  {stall['ms']:.0f} ms (on a core {stall['cpu_ms']:.0f} ms, collecting {stall['gc_ms']:.0f} ms): "
            f"{where[0][0] if where else '?'}"
        )
    return lines


def fixed_rate(url: str, rate: float, windows: int, window: float) -> list[dict[str, float]]:
    """`windows × window` s of submits at `rate` a second (one schedule), split by due time."""
    samples = open_loop(f"{url}", JSON_AUTH, SUBMIT_BODY, rate, windows * window)
    split: list[list[Sample]] = [[] for _ in range(windows)]
    for sample in samples:
        split[min(windows - 1, int(sample.due // window))].append(sample)
    return [_window(part, window, lag=True) for part in split]


def closed_flood(url: str, windows: int, window: float, connections: int = 64) -> list[dict[str, float]]:
    """The flood again from a client of this process's (`closed_loop`), not wrk."""
    return [_window(closed_loop(url, JSON_AUTH, SUBMIT_BODY, window, connections), window) for _ in range(windows)]


def _window(part: list[Sample], window: float, *, lag: bool = False) -> dict[str, float]:
    latencies = sorted(sample.latency for sample in part) or [0.0]
    row = {
        "rps": len(part) / window,
        "errors": sum(not sample.ok for sample in part),
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "max_ms": latencies[-1] * 1000,
    }
    if lag:
        row["lag_ms"] = max((sample.lag for sample in part), default=0.0) * 1000
    return row


def flood(wrk: str, url: str, windows: int, window: float, connections: int = 64) -> list[dict[str, float]]:
    headers = "\n".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in JSON_AUTH.items())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_LUA % (json.dumps(SUBMIT_BODY.decode()), headers))
    rows = []
    try:
        for _ in range(windows):
            args = [wrk, "-t1", f"-c{connections}", f"-d{window:g}s", "--timeout", "5s", "-s", script.name, url]
            out = subprocess.run(args, capture_output=True, text=True, timeout=window + 30, check=True).stdout
            data = json.loads(next(line for line in out.splitlines() if line.startswith("TAIL "))[5:])
            rows.append(
                {
                    "rps": data["requests"] / (data["duration_us"] / 1e6),
                    "errors": data["errors"],
                    "p50_ms": data["p50_us"] / 1000,
                    "p99_ms": data["p99_us"] / 1000,
                    "max_ms": data["max_us"] / 1000,
                }
            )
    finally:
        Path(script.name).unlink()
    return rows


def _report(name: str, rows: list[dict[str, float]]) -> list[str]:
    lag = "lag_ms" in rows[0]  # fixed rate: the most a request waited in the load generator
    lines = [name, "| window | req/s | p50 ms | p99 ms | max ms | errors |" + (" sent late, max ms |" if lag else "")]
    lines.append("|---:|---:|---:|---:|---:|---:|" + ("---:|" if lag else ""))
    for index, row in enumerate(rows, 1):
        lines.append(
            f"| {index} | {row['rps']:,.0f} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {row['max_ms']:.1f} "
            f"| {row['errors']:.0f} |" + (f" {row['lag_ms']:.1f} |" if lag else "")
        )
    worst = max(row["max_ms"] for row in rows)
    p99 = sorted(row["p99_ms"] for row in rows)[len(rows) // 2]
    over = sum(row["max_ms"] > 100 for row in rows)
    lines.append(
        f"median window p99 {p99:.1f} ms, slowest request {worst:.1f} ms, windows with one over 100 ms: {over}"
    )
    return lines


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _both(wrk: str, server: Running, args: argparse.Namespace) -> list[str]:
    """The saturation windows, then the fixed-rate ones on the store they left; RSS after each."""
    url = f"{server.url}/api/v1/videos"
    print(f"load average before {server.name}: {_load()}", flush=True)  # other work on the shared cores
    rows = flood(wrk, url, args.windows, args.window)
    lines = _report(f"{server.name}, saturation (wrk -c64), RSS after {server.rss_mb():.1f} MB", rows)
    if args.closed:
        rows = closed_flood(url, args.windows, args.window)
        lines += _report(f"{server.name}, saturation (asyncio client, c64), RSS after {server.rss_mb():.1f} MB", rows)
    if args.rate:
        rows = fixed_rate(url, args.rate, args.windows, args.window)
        lines += _report(f"{server.name}, fixed rate {args.rate:,.0f}/s, RSS after {server.rss_mb():.1f} MB", rows)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.tail", description=__doc__.split("\n")[0])
    parser.add_argument("--windows", type=int, default=4, help="consecutive floods (default 4)")
    parser.add_argument("--window", type=float, default=5.0, help="seconds each (default 5)")
    parser.add_argument("--gc", action="append", default=[], help="a Python statement run before the CLI")
    parser.add_argument("--plain", action="store_true", help="also the CLI as it is")
    parser.add_argument("--bare", action="store_true", help="also the bare app")
    parser.add_argument("--max-jobs", type=int, default=10_000, help="the mock's --max-jobs (default 10000)")
    parser.add_argument(
        "--rate", type=float, default=2500.0, help="fixed-rate submits a second (default 2500; 0: skip)"
    )
    parser.add_argument("--stalls", action="store_true", help="also record the mock's event-loop stalls")
    parser.add_argument(
        "--closed",
        action="store_true",
        help="also flood from a client of this process's (wrk's spikes or the server's?)",
    )
    args = parser.parse_args()
    wrk = ensure_wrk()
    if wrk is None:
        raise SystemExit("bench.tail needs wrk (bench/run.sh installs it)")
    runs: list[tuple[str, str | None]] = [("mockserver", None)] if args.plain or not args.gc else []
    runs += [(f"mockserver, {setup}", setup) for setup in args.gc]
    for name, setup in runs:
        with tempfile.TemporaryDirectory() as scratch:
            gc_log, stall_log = Path(scratch) / "gc.json", Path(scratch) / "stalls.json"
            server = start_mock_with(
                setup, ["--max-jobs", str(args.max_jobs)], gc_log, stall_log if args.stalls else None
            )
            server.name = name
            try:
                lines = _both(wrk, server, args)
            finally:
                server.stop()
            lines.append(_collections(gc_log))
            print("\n".join(lines + (_stalls(stall_log) if args.stalls else [])), flush=True)
    if args.bare:
        bodies = capture_bodies()
        server = start_bare(bodies)
        server.name = "bare app"
        try:
            print("\n".join(_both(wrk, server, args)), flush=True)
        finally:
            server.stop()
            shutil.rmtree(bodies)


if __name__ == "__main__":
    main()
