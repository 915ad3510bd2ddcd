"""`python -m bench.restart`: a `--state` restart after long floods costs what is kept, not what was seen.

`--floods` times: the CLI on one state file (`--max-jobs 10000`, `--speed 1000`) takes a submit
flood of `--seconds` (wrk, 64 connections, loopback), its RSS is read, and it is killed (`kill -9`,
or SIGTERM with `--stop term`). Then the file's size (with its -wal and -shm), the rows it
keeps, and a restart: spawn to the first 200 (median of `--spawns`) against a fresh file's, and
RSS right after it and after a 1 s flood; and in-process, what `create_app` takes to load
the file. Each restart starts from a copy of what the last kill left (its WAL included). Every
server on 127.0.0.1, stopped afterwards.
"""

from __future__ import annotations

import argparse
import compileall
import shutil
import signal
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from .compare import JSON_AUTH, SUBMIT_BODY
from .loadgen import Request, ensure_wrk, run_load
from .servers import Running, start_mock

__all__ = ["main"]

TABLES = ("jobs", "ledger", "ledger_carry", "journal", "deliveries", "counts")
RESTART_TARGET_S = 0.5  # with 10,000 kept jobs (issue 17)
RSS_TOLERANCE = 0.10  # RSS after a restart within 10% of before it


def _flood(wrk: str | None, server: Running, seconds: float) -> float:
    load = run_load(wrk, Request("POST", f"{server.url}/api/v1/videos", JSON_AUTH, SUBMIT_BODY), 64, seconds)
    return load.rps


def _end(server: Running, stop: str) -> None:
    if stop == "kill":
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=10)
    else:
        server.stop()


def _size_mb(path: Path) -> float:
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return sum(file.stat().st_size for file in files if file.exists()) / 1e6


def _rows(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        return {table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in TABLES}  # fixed names


def _load_s(path: Path) -> float:
    """In-process: what opening and loading the file costs (`create_app`), the interpreter's start apart."""
    from mockserver import MockConfig, create_app

    started = time.perf_counter()
    app = create_app(MockConfig(state_path=str(path)))
    elapsed = time.perf_counter() - started
    app.close()
    return elapsed


def _keep(path: Path, folder: Path) -> Path:
    """A copy of the file as the last flood's end left it (its -wal and -shm too)."""
    folder.mkdir()
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists():
            shutil.copy(file, folder / file.name)
    return folder / path.name


def _restored(kept: Path, path: Path) -> Path:
    """`path` as `_keep` kept it: every restart measured starts from what the kill left."""
    for suffix in ("", "-wal", "-shm"):
        target = path.with_name(path.name + suffix)
        target.unlink(missing_ok=True)
        source = kept.with_name(kept.name + suffix)
        if source.exists():
            shutil.copy(source, target)
    return path


def _spawn_s(
    extra: list[str], spawns: int, before: Callable[[], object] = lambda: None
) -> tuple[float, float, Running]:
    """The median spawn-to-first-200 of `spawns` starts (each after `before`), and the median CPU
    the process had used by then (steadier on a shared machine); the last server is left running."""
    times, cpu = [], []
    for number in range(spawns):
        before()
        server = start_mock(extra)
        times.append(server.startup_s)
        cpu.append(server.cpu_s())
        if number < spawns - 1:
            server.stop()
    return statistics.median(times), statistics.median(cpu), server


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.restart", description=__doc__.splitlines()[0])
    parser.add_argument("--floods", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--spawns", type=int, default=3)
    parser.add_argument("--stop", choices=("kill", "term"), default="kill")
    args = parser.parse_args()
    # Startup as installed (byte-compiled), as `python -m bench` measures it.
    compileall.compile_dir(Path(__file__).resolve().parent.parent / "mockserver", quiet=1)
    wrk = ensure_wrk()
    folder = Path(tempfile.mkdtemp(prefix="mock-restart-"))
    path = folder / "state.sqlite"
    state = ["--state", str(path)]
    try:
        rss_before = 0.0
        for number in range(args.floods):
            server = start_mock(state)
            rps = _flood(wrk, server, args.seconds)
            rss_before = server.rss_mb()
            _end(server, args.stop)
            print(f"flood {number + 1}: {rps:,.0f} submits/s, RSS {rss_before:.1f} MB, file {_size_mb(path):.1f} MB")
        size = _size_mb(path)
        wal = path.with_name(path.name + "-wal")
        wal_mb = wal.stat().st_size / 1e6 if wal.exists() else 0.0
        killed = _keep(path, folder / "killed")
        kept = _rows(path)
        load_s = _load_s(_restored(killed, path))
        restart_s, restart_cpu, server = _spawn_s(state, args.spawns, lambda: _restored(killed, path))
        rss_after = server.rss_mb()
        _flood(wrk, server, 1.0)
        rss_served = server.rss_mb()
        server.stop()
        fresh_s, fresh_cpu, fresh = _spawn_s(["--state", str(folder / "fresh.sqlite")], args.spawns)
        fresh.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\nkept: {', '.join(f'{table} {count:,}' for table, count in kept.items())}")
    verdict = "pass" if restart_s <= RESTART_TARGET_S else "FAIL"
    print(f"| file after {args.floods} × {args.seconds:g} s floods ({args.stop}) | {size:.1f} MB (WAL {wal_mb:.1f}) |")
    spawns = f"{restart_s:.3f} s (fresh file {fresh_s:.3f} s)"
    print(f"| restart to the first 200 | {spawns} | ≤ {RESTART_TARGET_S} s {verdict} |")
    print(f"| CPU by the first 200 | {restart_cpu:.3f} s (fresh file {fresh_cpu:.3f} s) |")
    print(f"| open and load the file, in-process | {load_s:.3f} s |")
    ratio = rss_after / rss_before
    verdict = "pass" if ratio <= 1 + RSS_TOLERANCE else "FAIL"
    print(f"| RSS before / after restart | {rss_before:.1f} / {rss_after:.1f} MB ({ratio:.2f}×) | ≤ 1.1× {verdict} |")
    print(f"| RSS after restart and a 1 s flood | {rss_served:.1f} MB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
