"""`python -m bench`: the live comparison with the bare app, then the in-process figures.

Prints a Markdown table of medians and ratios; `--write` also puts it into bench/RESULTS.md.
Every load is bounded by `--seconds`; every server is on 127.0.0.1 and stopped afterwards.
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import shutil
import statistics
from pathlib import Path

from .compare import KINDS, capture_bodies, median_metrics, paired_round, round_ratios
from .inproc import in_process_figures
from .loadgen import ensure_wrk

# metric -> (target ratio or absolute bound, higher is better)
TARGETS: dict[str, tuple[float, bool]] = {
    "poll c64 req/s": (0.7, True),
    "submit c64 req/s": (0.5, True),
    "content c64 MB/s": (0.8, True),
    "startup s": (1.5, False),
    "RSS after load MB": (2.0, False),
}


def _machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def _verdict(value: float, target: float, higher: bool) -> str:
    return "pass" if (value >= target if higher else value <= target) else "FAIL"


def live_table(rounds: int, seconds: float) -> list[str]:
    wrk = ensure_wrk()
    bodies = capture_bodies()
    pairs = []
    for index in range(rounds):
        pairs.append(paired_round(bodies, wrk, seconds, mock_first=index % 2 == 1))
        print(f"round {index + 1}/{rounds} done", flush=True)
    shutil.rmtree(bodies)
    bare, mock = (median_metrics([pair[kind] for pair in pairs]) for kind in KINDS)
    ratios = round_ratios(pairs)
    lines = [
        f"Load generator: {'wrk ' + wrk if wrk else 'bench.loadgen (asyncio)'}; {seconds:g} s per load; "
        f"medians of {rounds} rounds; each load runs on both servers back to back, and a ratio is the "
        "median of the rounds' own ratios.",
        "",
        "| metric | bare app | mockserver | ratio | rounds' ratios | target | |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name in bare:
        ratio = statistics.median(ratios[name])
        spread = f"{min(ratios[name]):.2f}–{max(ratios[name]):.2f}"
        target, verdict = "", ""
        if name in TARGETS:
            bound, higher = TARGETS[name]
            target = f"{'≥' if higher else '≤'} {bound:g}×"
            verdict = _verdict(ratio, bound, higher)
        lines.append(
            f"| {name} | {bare[name]:,.2f} | {mock[name]:,.2f} | {ratio:.2f}× | {spread} | {target} | {verdict} |"
        )
    return lines


def inproc_table() -> list[str]:
    lines = ["| in-process figure | value | target | |", "|---|---:|---:|---|"]
    for name, (value, unit, bound) in in_process_figures().items():
        target = f"≤ {bound:g} {unit}" if bound is not None else ""
        verdict = _verdict(value, bound, False) if bound is not None else ""
        lines.append(f"| {name} | {value:,.2f} {unit} | {target} | {verdict} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="rounds (median; default 3)")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per load (default 3)")
    parser.add_argument("--skip-live", action="store_true", help="only the in-process figures")
    parser.add_argument("--write", action="store_true", help="also write bench/RESULTS.md")
    args = parser.parse_args()
    # Start both servers as installed: pip byte-compiles a package on install, a checkout (and
    # PYTHONDONTWRITEBYTECODE) would have the mock compile its ~50 modules on every start.
    compileall.compile_dir(Path(__file__).resolve().parent.parent / "mockserver", quiet=1)
    lines = [f"Machine: {_machine()}.", ""]
    if not args.skip_live:
        lines += live_table(args.rounds, args.seconds) + [""]
    lines += inproc_table()
    text = "\n".join(lines)
    print(text)
    if args.write:
        results = Path(__file__).with_name("RESULTS.md")
        header = "# Benchmark results\n\nProduced by `python -m bench --write` (see bench/README.md).\n\n"
        results.write_text(header + text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
