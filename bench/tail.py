"""`python -m bench.tail`: submit latency under a steady store (a flood past `--max-jobs`).

The mock CLI (`--speed 1000`: jobs finish in ~0.1 s, so every submit past the bound retires
one) takes a submit flood in consecutive windows of `--window` seconds (wrk, 64 connections,
loopback); each window's rate, p50, p99 and slowest request, and the server's RSS at the end.
The server's garbage collections while serving are counted and timed (`bench/gcprobe.py`).
`--gc` runs it with a Python statement first, to compare collector settings (the CLI sets its
own after startup: `--gc "import gc; gc.set_threshold = lambda *a: None"` keeps the defaults);
`--bare` floods the bare app the same way. Bounded by `--windows × --window` s per server.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .compare import JSON_AUTH, SUBMIT_BODY, capture_bodies
from .loadgen import ensure_wrk
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


def start_mock_with(setup: str | None, extra: list[str], gc_log: Path) -> Running:
    port = free_port()
    prelude = f"{setup}; " if setup else ""
    code = f"import sys, bench.gcprobe; {prelude}from mockserver.cli import main; sys.exit(main(sys.argv[1:]))"
    args = [sys.executable, "-c", code, "--port", str(port), "--speed", "1000", *extra]
    os.environ["BENCH_GC_LOG"] = str(gc_log)  # the probe reads it; the server writes it at exit
    try:
        return _spawn("mockserver", args, port)
    finally:
        del os.environ["BENCH_GC_LOG"]


def _collections(gc_log: Path) -> str:
    if not gc_log.exists():
        return "collections: not recorded (the server did not exit cleanly)"
    pauses = json.loads(gc_log.read_text())
    parts = [f"gen{gen}: {len(ms)} ({sum(ms):.0f} ms, longest {max(ms, default=0):.1f})" for gen, ms in pauses.items()]
    return "collections " + ", ".join(parts)


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


def _report(name: str, rows: list[dict[str, float]], rss: float) -> list[str]:
    lines = [f"{name} (RSS at the end {rss:.1f} MB)", "| window | req/s | p50 ms | p99 ms | max ms | errors |"]
    lines.append("|---:|---:|---:|---:|---:|---:|")
    for index, row in enumerate(rows, 1):
        lines.append(
            f"| {index} | {row['rps']:,.0f} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {row['max_ms']:.1f} "
            f"| {row['errors']:.0f} |"
        )
    worst = max(row["max_ms"] for row in rows)
    p99 = sorted(row["p99_ms"] for row in rows)[len(rows) // 2]
    lines.append(f"median window p99 {p99:.1f} ms, slowest request {worst:.1f} ms")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.tail", description=__doc__.split("\n")[0])
    parser.add_argument("--windows", type=int, default=4, help="consecutive floods (default 4)")
    parser.add_argument("--window", type=float, default=5.0, help="seconds each (default 5)")
    parser.add_argument("--gc", action="append", default=[], help="a Python statement run before the CLI")
    parser.add_argument("--plain", action="store_true", help="also the CLI as it is")
    parser.add_argument("--bare", action="store_true", help="also the bare app")
    parser.add_argument("--max-jobs", type=int, default=10_000, help="the mock's --max-jobs (default 10000)")
    args = parser.parse_args()
    wrk = ensure_wrk()
    if wrk is None:
        raise SystemExit("bench.tail needs wrk (bench/run.sh installs it)")
    runs: list[tuple[str, str | None]] = [("mockserver", None)] if args.plain or not args.gc else []
    runs += [(f"mockserver, {setup}", setup) for setup in args.gc]
    for name, setup in runs:
        with tempfile.TemporaryDirectory() as scratch:
            gc_log = Path(scratch) / "gc.json"
            server = start_mock_with(setup, ["--max-jobs", str(args.max_jobs)], gc_log)
            try:
                rows = flood(wrk, f"{server.url}/api/v1/videos", args.windows, args.window)
                lines = _report(name, rows, server.rss_mb())
            finally:
                server.stop()
            print("\n".join([*lines, _collections(gc_log)]), flush=True)
    if args.bare:
        bodies = capture_bodies()
        server = start_bare(bodies)
        try:
            rows = flood(wrk, f"{server.url}/api/v1/videos", args.windows, args.window)
            print("\n".join(_report("bare app", rows, server.rss_mb())), flush=True)
        finally:
            server.stop()
            shutil.rmtree(bodies)


if __name__ == "__main__":
    main()
