"""`python -m contracts URL --key KEY`: the server suite against any live ModelGates base URL.

Exit status: 0 when the server keeps the contract, 1 on any violation, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

__all__ = ["main"]

KEY_ENV = "MODELGATES_API_KEY"
EXTRA = "pip install 'modelgates-mock[contracts]'"
VERSION_ENV = "MODELGATES_API_VERSION"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m contracts",
        description="Check a live ModelGates API (or a fake of it) against its version's document "
        "(openapi/modelgates-2026-10.yaml or openapi/modelgates.yaml for 2026-06): "
        "Schemathesis with every check, the stateful links, and one real job end to end.",
    )
    parser.add_argument(
        "--api-version",
        choices=("2026-06", "2026-10"),
        default=None,
        help=f"which version's document to check against (default: ${VERSION_ENV}, else 2026-10)",
    )
    parser.add_argument("url", help="base URL, e.g. http://127.0.0.1:8000/api/v1")
    parser.add_argument("--key", help=f"API key (default: ${KEY_ENV}); never printed")
    parser.add_argument("--junit-xml", type=Path, metavar="PATH", help="also write a JUnit XML report")
    parser.add_argument("--max-examples", type=int, default=25, metavar="N", help="fuzzed cases per operation")
    parser.add_argument("--seed", type=int, default=None, metavar="N", help="generation seed (default: fixed)")
    parser.add_argument("--stateful-steps", type=int, default=8, metavar="N", help="max steps per stateful scenario")
    parser.add_argument(
        "--phases",
        default=None,
        metavar="LIST",
        help="comma-separated subset of examples,coverage,fuzzing,stateful (default: all)",
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=180.0,
        metavar="SECONDS",
        help="how long the probe job may take to finish (default: 180)",
    )
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="pause between polls of the probe job (default: 5)",
    )
    parser.add_argument("--request-timeout", type=float, default=10.0, metavar="SECONDS")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if importlib.util.find_spec("schemathesis") is None:  # the plugin needs only pytest; this needs more
        print(f"error: python -m contracts needs Schemathesis, which comes with an extra: {EXTRA}", file=sys.stderr)
        return 2
    if args.api_version:  # read by contracts.suites.document wherever the suite loads the document
        os.environ[VERSION_ENV] = args.api_version
    key = args.key or os.environ.get(KEY_ENV)
    if not key:
        print(f"error: give --key or set {KEY_ENV}", file=sys.stderr)
        return 2
    try:
        from ..suites.settings import DEFAULT_SEED, PHASES, SuiteSettings
        from .report import text_report, write_junit
        from .runner import run_contract
    except ImportError as exc:  # a broken install: say what is missing and how to get it
        print(f"error: {exc.name or exc} is missing; {EXTRA}", file=sys.stderr)
        return 2

    seed = DEFAULT_SEED if args.seed is None else args.seed
    phases = tuple(p.strip() for p in args.phases.split(",")) if args.phases else PHASES
    try:
        settings = SuiteSettings(
            api_key=key,
            base_url=args.url,
            seed=seed,
            max_examples=args.max_examples,
            stateful_steps=args.stateful_steps,
            phases=phases,
            request_timeout=args.request_timeout,
        )
        result = run_contract(settings, wait=args.wait, poll_interval=args.poll_interval)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(text_report(result, seed=seed), end="")
    if args.junit_xml is not None:
        write_junit(result, args.junit_xml)
    return 0 if result.ok else 1
