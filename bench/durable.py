"""`python -m bench.durable`: what `--state` costs a submit, measured paired.

Each round starts two mocks (one with a fresh state file), warms both, then runs the same submit
load against one and right after against the other (which goes first alternates), as
`bench.compare` pairs the bare app and the mock. The ratio is the median of the rounds' ratios.
Bounded: `--rounds` × 2 loads of `--seconds`; every server on 127.0.0.1, stopped afterwards.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from pathlib import Path

from .compare import JSON_AUTH, SUBMIT_BODY
from .loadgen import Load, Request, ensure_wrk, run_load
from .servers import Running, start_mock

__all__ = ["main", "paired_submits"]

TARGET = 0.5  # submit c64 with --state at least half of it without (issue 15)


def _submit(server: Running) -> Request:
    return Request("POST", f"{server.url}/api/v1/videos", JSON_AUTH, SUBMIT_BODY)


def paired_submits(wrk: str | None, seconds: float, state_first: bool) -> dict[str, Load]:
    folder = Path(tempfile.mkdtemp(prefix="mock-state-"))
    servers = {"memory": start_mock(), "state": start_mock(["--state", str(folder / "state.sqlite")])}
    try:
        order = sorted(servers, reverse=state_first)  # "memory" < "state"
        for name in order:
            run_load(wrk, _submit(servers[name]), 8, min(1.0, seconds))  # warm-up (not counted)
        return {name: run_load(wrk, _submit(servers[name]), 64, seconds) for name in order}
    finally:
        for server in servers.values():
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.durable", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    wrk = ensure_wrk()
    ratios = []
    for number in range(args.rounds):
        loads = paired_submits(wrk, args.seconds, state_first=bool(number % 2))
        ratio = loads["state"].rps / loads["memory"].rps
        ratios.append(ratio)
        print(
            f"round {number + 1}: memory {loads['memory'].rps:,.0f} req/s, --state {loads['state'].rps:,.0f} req/s "
            f"(errors {loads['memory'].errors}/{loads['state'].errors}), ratio {ratio:.2f}",
            flush=True,
        )
    median = statistics.median(ratios)
    verdict = "pass" if median >= TARGET else "FAIL"
    spread = f"rounds {min(ratios):.2f}-{max(ratios):.2f}"
    print(f"submit c64 --state / memory: {median:.2f}x ({spread}), target >= {TARGET}x: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
