"""`python -m bench`: the live comparison with the bare app, then the in-process figures.

Prints a Markdown table of medians and ratios; `--write` also puts it into bench/RESULTS.md.
Every load is bounded by `--seconds`; every server is on 127.0.0.1 and stopped afterwards.
`--with aimock` adds the peer (installed on first use, pinned; skipped with a note when it cannot
be): a second table, mockserver against aimock, from the same rounds.
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import shutil
import statistics
import subprocess
from pathlib import Path

from .compare import (
    AIMOCK,
    KINDS,
    PEERS,
    Figures,
    capture_bodies,
    median_metrics,
    paired_round,
    prepare_aimock,
    round_ratios,
)
from .inproc import in_process_figures
from .loadgen import ensure_wrk
from .servers import AIMOCK_VERSION, ensure_aimock

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


def _usable_peers(wanted: list[str]) -> tuple[tuple[str, ...], list[str]]:
    """The peers that can run, and a one-line note for each that cannot (the run goes on without it)."""
    peers, notes = [], []
    for peer in dict.fromkeys(wanted):
        why_not = ensure_aimock() if peer == AIMOCK else f"unknown peer {peer!r}"
        if why_not is None:
            peers.append(peer)
        else:
            notes.append(f"{peer}: skipped ({why_not}).")
            print(notes[-1], flush=True)
    return tuple(peers), notes


def _peer_table(pairs: list[dict[str, Figures]], peer: str) -> list[str]:
    """mockserver against a peer: medians over the rounds, the ratio the median of the rounds' own."""
    other, mock = (median_metrics([pair[kind] for pair in pairs]) for kind in (peer, "mockserver"))
    ratios = round_ratios(pairs, against=peer)
    label = f"{peer} {AIMOCK_VERSION}" if peer == AIMOCK else peer
    lines = [
        f"Against {label} (Node {_node_version()}), from the same rounds: each load ran on it right before "
        "or after the mockserver; ratio = mockserver / "
        f"{peer}, the median of the rounds' own ratios. Not targets: another tool, another runtime, "
        "other JSON (see bench/README.md).",
        "",
        f"| metric | {label} | mockserver | ratio | rounds' ratios |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in other:
        spread = f"{min(ratios[name]):.2f}–{max(ratios[name]):.2f}"
        ratio = statistics.median(ratios[name])
        lines.append(f"| {name} | {other[name]:,.2f} | {mock[name]:,.2f} | {ratio:.2f}× | {spread} |")
    return lines


def _node_version() -> str:
    node = shutil.which("node")
    if node is None:
        return "?"
    done = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, check=False)
    return done.stdout.strip().lstrip("v") or "?"


def live_table(rounds: int, seconds: float, wanted_peers: list[str] | None = None) -> list[str]:
    wrk = ensure_wrk()
    peers, notes = _usable_peers(wanted_peers or [])
    bodies = capture_bodies()
    if AIMOCK in peers:
        prepare_aimock(bodies)
    pairs = []
    for index in range(rounds):
        pairs.append(paired_round(bodies, wrk, seconds, mock_first=index % 2 == 1, peers=peers))
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
    for peer in peers:
        lines += [""] + _peer_table(pairs, peer)
    if notes:
        lines += [""] + notes
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
    parser.add_argument(
        "--with",
        dest="peers",
        action="append",
        choices=PEERS,
        default=[],
        help="also run a peer mock in every round (aimock: installed on first use with npm, pinned; skipped "
        "with a note when node or npm is missing)",
    )
    args = parser.parse_args()
    # Start both servers as installed: pip byte-compiles a package on install, a checkout (and
    # PYTHONDONTWRITEBYTECODE) would have the mock compile its ~50 modules on every start.
    compileall.compile_dir(Path(__file__).resolve().parent.parent / "mockserver", quiet=1)
    lines = [f"Machine: {_machine()}.", ""]
    if not args.skip_live:
        lines += live_table(args.rounds, args.seconds, args.peers) + [""]
    lines += inproc_table()
    text = "\n".join(lines)
    print(text)
    if args.write:
        results = Path(__file__).with_name("RESULTS.md")
        header = "# Benchmark results\n\nProduced by `python -m bench --write` (see bench/README.md).\n\n"
        results.write_text(header + text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
