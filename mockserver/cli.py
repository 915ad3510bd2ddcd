"""`mockserver`: run the fake ModelGates API on loopback for local development."""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

import uvicorn

from mockserver.config import MockConfig
from mockserver.domain.jobs import Job, Transition
from mockserver.domain.keys import new_api_key
from mockserver.domain.scenarios import ScenarioError, builtin_scenarios
from mockserver.domain.versions import NEWEST, VERSIONS, default_version_name
from mockserver.http.app import create_app, mock_state
from mockserver.http.catalogs import CatalogError
from mockserver.webhooks.dispatcher import WebhookConfigError

__all__ = ["main", "build_parser", "TransitionLog"]

log = logging.getLogger("mockserver.domain.jobs")

_SAMPLE_BODY = (
    '{"model":"google/veo-3.1-lite","prompt":"A glass greenhouse at sunrise, slow dolly-in",'
    '"duration":4,"resolution":"720p","aspect_ratio":"16:9","generate_audio":false}'
)


def _positive(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return number


def _count(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _money(value: str) -> Decimal:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not an amount: {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise argparse.ArgumentTypeError("must be a non-negative amount")
    return amount


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockserver", description="A spec-faithful fake of the ModelGates video API.")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback only)")
    parser.add_argument("--port", type=int, default=8000, help="port; 0 picks a free one (default 8000)")
    parser.add_argument(
        "--api-version",
        choices=list(VERSIONS),
        default=None,
        help=f"which version of the vendor API to be (default: $MODELGATES_API_VERSION, else {NEWEST})",
    )
    parser.add_argument("--scenario", default="happy", help="built-in name or path of a .toml file")
    parser.add_argument(
        "--catalog",
        metavar="PATH",
        help="serve this catalog (GET /videos/models format; `mockserver catalog save URL FILE` makes one)",
    )
    parser.add_argument(
        "--remove-model",
        action="append",
        dest="removed",
        default=[],
        metavar="ID",
        help="take a model out of the catalog: submits naming it get 400 'Model ID does not exist' (repeatable)",
    )
    parser.add_argument("--speed", type=_positive, default=1.0, help="vendor seconds per real second")
    parser.add_argument("--seed", type=int, default=0, help="same seed, same ids and timelines")
    parser.add_argument(
        "--key",
        action="append",
        dest="keys",
        metavar="KEY",
        help="accept only these API keys (repeatable; default: any sk-mg-v1-<64 hex>)",
    )
    parser.add_argument("--journal-size", type=_count, default=10_000, help="requests the journal keeps")
    parser.add_argument(
        "--max-jobs",
        type=_count,
        default=10_000,
        help="jobs kept; beyond it the oldest finished ones are forgotten (default 10000)",
    )
    realism = parser.add_argument_group("realism (all off by default)")
    realism.add_argument("--credits", type=_money, help="each key's starting balance in USD (default: unlimited)")
    realism.add_argument("--rate-limit", type=_count, metavar="PER_MINUTE", help="submits per minute per key")
    realism.add_argument("--max-concurrent-jobs", type=_count, metavar="N", help="unfinished jobs per key")
    hooks = parser.add_argument_group("webhooks")
    hooks.add_argument("--webhook-url", help="default callback_url for jobs that give none")
    hooks.add_argument("--webhook-secret", help="sign deliveries with this secret (X-ModelGates-Signature)")
    hooks.add_argument(
        "--webhook-allow-http-loopback",
        action="store_true",
        help="accept http:// callbacks on loopback (local development)",
    )
    hooks.add_argument(
        "--webhook-allow-host",
        action="append",
        dest="webhook_hosts",
        default=[],
        metavar="HOST",
        help="a host besides loopback that deliveries may reach (repeatable)",
    )
    hooks.add_argument("--webhook-max-attempts", type=_count, default=5, help="attempts per delivery (default 5)")
    control = parser.add_argument_group("control")
    control.add_argument("--admin-token", help="operator token for /_mock/ (default: a random one, printed)")
    control.add_argument("--state", metavar="PATH", help="keep jobs, ledger, journal and deliveries in SQLite")
    parser.add_argument("--access-log", action="store_true", help="log every request")
    parser.add_argument("--list-scenarios", action="store_true", help="list built-ins and exit")
    return parser


def _list_scenarios() -> int:
    lines = [f"{name:22} {scenario.description}" for name, scenario in sorted(builtin_scenarios().items())]
    try:
        print("\n".join(lines), flush=True)
    except BrokenPipeError:  # `mockserver --list-scenarios | head -3`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _log_transition(job: Job, transition: Transition) -> None:
    when = datetime.fromtimestamp(transition.at, UTC).strftime("%H:%M:%S")
    elapsed = transition.at - job.created_at
    detail = f"  error={job.error!r}" if transition.new == job.status and job.error else ""
    log.info(
        "%s job %s  %s -> %s  model=%s scenario=%s t+%.1fs%s",
        when,
        job.id,
        transition.old.value,
        transition.new.value,
        job.model,
        job.scenario,
        elapsed,
        detail,
    )


class TransitionLog:
    """Job transitions for the developer watching the terminal, at most `per_second` lines a second.

    A script or load test submitting thousands of jobs would otherwise print two lines per job
    (nobody reads them) and spend more time logging than answering. Lines over the budget are
    counted and reported once, before the next line shown.
    """

    def __init__(self, per_second: int = 20, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_second = per_second
        self._clock = clock
        self._window = -math.inf
        self._shown = self._skipped = 0

    def __call__(self, job: Job, transition: Transition) -> None:
        now = self._clock()
        if now - self._window >= 1.0:
            if self._skipped:
                log.info("  ... %d more transitions not shown (over %d a second)", self._skipped, self.per_second)
            self._window, self._shown, self._skipped = now, 0, 0
        if self._shown >= self.per_second:
            self._skipped += 1
            return
        self._shown += 1
        _log_transition(job, transition)


class _Server(uvicorn.Server):
    """Prints the ready line once the socket is bound (so `--port 0` shows the real port)."""

    def __init__(self, config: uvicorn.Config, banner: MockConfig, key: str, admin_token: str) -> None:
        super().__init__(config)
        self._banner, self._key, self._admin_token = banner, key, admin_token

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # uvicorn re-raises SIGINT/SIGTERM after its graceful shutdown, so the process would
        # die by the signal; a dev server stopped on purpose should exit 0 instead.
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            print("modelgates-mock stopped", flush=True)

    async def startup(self, sockets: list[object] | None = None) -> None:  # type: ignore[override]
        await super().startup(sockets)  # type: ignore[arg-type]
        if self.started:
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            _print_ready(f"http://{host}:{port}", self._banner, self._key, self._admin_token)


def _print_ready(url: str, config: MockConfig, key: str, admin_token: str) -> None:
    print(
        f"modelgates-mock ready at {url}/api/v1  (API {config.api_version}, scenario {config.scenario}, "
        f"speed {config.speed:g}x, seed {config.seed})",
        flush=True,
    )
    print(
        f"  try: curl -s {url}/api/v1/videos -H 'Authorization: Bearer {key}' "
        f"-H 'Content-Type: application/json' -d '{_SAMPLE_BODY}'",
        flush=True,
    )
    print(f"  contract: {url}/openapi.yaml   scenarios: mockserver --list-scenarios   stop: Ctrl-C", flush=True)
    print(f"  dashboard: {url}/_mock/#token={admin_token}", flush=True)
    if _webhooks_configured(config):
        print(f"  {_describe_webhooks(config)}", flush=True)


def _webhooks_configured(config: MockConfig) -> bool:
    return bool(
        config.webhook_url or config.webhook_secret or config.webhook_allow_http_loopback or config.webhook_allow_hosts
    )


def _describe_webhooks(config: MockConfig) -> str:
    reach = "loopback" + "".join(f", {host}" for host in sorted(config.webhook_allow_hosts))
    return (
        f"webhooks: default {config.webhook_url or 'none (per-job callback_url)'}, "
        f"{'signed' if config.webhook_secret else 'unsigned'}, "
        f"http:// {'allowed' if config.webhook_allow_http_loopback else 'refused'} on loopback, "
        f"reaching {reach} only, up to {config.webhook_max_attempts} attempts"
    )


def _config(args: argparse.Namespace) -> MockConfig:
    return MockConfig(
        api_version=args.api_version or default_version_name(),
        catalog=args.catalog,
        removed_models=frozenset(args.removed),
        scenario=args.scenario,
        seed=args.seed,
        speed=args.speed,
        api_keys=frozenset(args.keys) if args.keys else None,
        journal_size=args.journal_size,
        max_jobs=args.max_jobs,
        credits=args.credits,
        rate_limit=args.rate_limit,
        max_concurrent_jobs=args.max_concurrent_jobs,
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
        webhook_allow_http_loopback=args.webhook_allow_http_loopback,
        webhook_allow_hosts=frozenset(args.webhook_hosts),
        webhook_max_attempts=args.webhook_max_attempts,
        admin_token=args.admin_token,
        state_path=args.state,
    )


def _sqlite_error() -> type[Exception]:
    # Called only while an exception is being matched, so SQLite loads only if --state failed.
    import sqlite3

    return sqlite3.Error


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    if given[:1] == ["catalog"]:
        from mockserver.catalog_save import main as catalog_main

        return catalog_main(given[1:])
    args = build_parser().parse_args(given)
    if args.list_scenarios:
        return _list_scenarios()
    config = _config(args)
    try:
        app = create_app(config)  # the system clock at --speed, resumed from --state if given
    except (ScenarioError, WebhookConfigError, CatalogError, _sqlite_error(), OSError) as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    mock_state(app).service.listeners.append(TransitionLog())
    key = args.keys[0] if args.keys else new_api_key(args.seed)
    server = _Server(
        # ws="none": the API has no WebSocket routes, and loading a WebSocket protocol is ~10 ms of startup.
        uvicorn.Config(
            app,
            host=args.host,
            port=args.port,
            log_level="warning",
            access_log=args.access_log,
            lifespan="on",
            ws="none",
        ),
        config,
        key,
        mock_state(app).admin_token,
    )
    # Everything built so far (modules, the document, the catalog) lives as long as the process:
    # out of the collector's sight, a full collection scans only what serving creates (jobs).
    # No collection first: that is ~25 ms of startup to free a few startup cycles.
    gc.freeze()
    server.run()
    return 0 if server.started else 1
