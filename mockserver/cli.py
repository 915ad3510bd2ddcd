"""`mockserver`: run the fake ModelGates API on loopback for local development."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from types import FrameType
from typing import Any

import uvicorn

from mockserver._logs import AccessLog, TransitionLog, configure, log
from mockserver._settings import SettingsError, build_parser, resolve
from mockserver.config import MockConfig
from mockserver.domain.jobs import Job
from mockserver.domain.keys import new_api_key
from mockserver.domain.scenarios import ScenarioError, builtin_scenarios
from mockserver.domain.versions import default_version_name
from mockserver.http.app import MockApp, create_app
from mockserver.http.catalogs import CatalogError
from mockserver.http.cors import Cors
from mockserver.http.listen import ListenError, listen, url_host
from mockserver.http.protocol import uvicorn_options
from mockserver.persistence.schema import StateFileError
from mockserver.webhooks.dispatcher import WebhookConfigError

__all__ = ["DRAIN_SECONDS", "TransitionLog", "build_parser", "main"]

DRAIN_SECONDS = 3  # how long a stop waits for requests in flight
FORCED_SHUTDOWN_SECONDS = 1  # after a second signal, how long the app's own shutdown may take

_SAMPLE_BODY = (
    '{"model":"google/veo-3.1-lite","prompt":"A glass greenhouse at sunrise, slow dolly-in",'
    '"duration":4,"resolution":"720p","aspect_ratio":"16:9","generate_audio":false}'
)
# How often unfinished jobs are brought up to the mock's now, so that each transition is logged
# (and its webhook sent) when it happens, not at the next poll.
TICK_SECONDS = 0.2


def _list_scenarios() -> int:
    lines = [f"{name:22} {scenario.description}" for name, scenario in sorted(builtin_scenarios().items())]
    try:
        print("\n".join(lines), flush=True)
    except BrokenPipeError:  # `mockserver --list-scenarios | head -3`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _version() -> str:
    from importlib import metadata  # only for --version: ~10 ms of startup otherwise

    try:
        return metadata.version("modelgates-mock")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


class _Server(uvicorn.Server):
    """Prints the ready line once the socket is bound (so `--port 0` shows the real port)."""

    def __init__(self, config: uvicorn.Config, banner: MockConfig, key: str, app: MockApp) -> None:
        super().__init__(config)
        self._banner, self._key, self._app = banner, key, app
        self._ticker: asyncio.Task[None] | None = None

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
            log.info("modelgates-mock stopped")

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # uvicorn forces only on a second SIGINT; a second SIGTERM (what process managers send)
        # must not wait for the drain either.
        if self.should_exit:
            self.force_exit = True
        super().handle_exit(sig, frame)

    async def startup(self, sockets: list[object] | None = None) -> None:  # type: ignore[override]
        await super().startup(sockets)  # type: ignore[arg-type]
        if self.started:
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            _print_ready(f"http://{url_host(host)}:{port}", self._banner, self._key, self._app)
            self._ticker = asyncio.create_task(self._tick(), name="transition-ticker")

    async def shutdown(self, sockets: list[object] | None = None) -> None:  # type: ignore[override]
        if self._ticker is not None:
            self._ticker.cancel()
        await super().shutdown(sockets)  # type: ignore[arg-type]
        if self.force_exit:
            # A second signal skips the wait for requests in flight, not the app's own shutdown
            # (its tasks, the state file's last rows): uvicorn skips that too, and the lifespan it
            # leaves waiting is cancelled when the loop closes, which it prints as a traceback.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.lifespan.shutdown(), FORCED_SHUTDOWN_SECONDS)

    async def _tick(self) -> None:
        controller = self._app.controller
        while True:
            await asyncio.sleep(TICK_SECONDS)
            try:
                for _ in controller.catching_up():
                    await asyncio.sleep(0)  # let requests in between batches
            except Exception as exc:  # kept like a request's failure; the ticker goes on
                log.error("unexpected error moving jobs on", exc_info=exc)
                controller.errors.append(exc)


def _print_ready(url: str, config: MockConfig, key: str, app: MockApp) -> None:
    log.info(
        "modelgates-mock ready at %s/api/v1  (API %s, scenario %s, speed %gx, seed %s)",
        url,
        config.api_version,
        config.scenario,
        config.speed,
        config.seed,
        extra={"fields": {"event": "ready", "url": f"{url}/api/v1", "dashboard": f"{url}/_mock/"}},
    )
    log.info(
        "  try: curl -s %s/api/v1/videos -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' -d '%s'",
        url,
        key,
        _SAMPLE_BODY,
    )
    log.info("  contract: %s/openapi.yaml   scenarios: mockserver --list-scenarios   stop: Ctrl-C", url)
    admin_token = app.instance.admin_token
    if _loopback(url):
        log.info("  dashboard: %s/_mock/#token=%s", url, admin_token)
    else:
        # A URL with the token ends up in shell history, screenshots and chat; the token alone less so.
        log.info("  dashboard: %s/_mock/  (operator token: %s)", url, admin_token)
        log.warning(
            "  warning: bound beyond loopback: anyone on the network reaches the API and, with the "
            "operator token, the control API (/_mock/: every key's jobs, credits and journal)"
        )
    if config.state_path:
        log.info("  state: %s (%s)", config.state_path, _restored(app.controller.stored_jobs()))
    if config.cors:
        log.info("  cors: answering browsers from %s", config.cors)
    if _webhooks_configured(config):
        log.info("  %s", _describe_webhooks(config))


def _restored(kept: list[Job]) -> str:
    jobs, keys = len(kept), len({job.tenant for job in kept})
    if not jobs and not keys:
        return "new: nothing to restore"
    return f"restored {jobs} job{'s' * (jobs != 1)} of {keys} key{'s' * (keys != 1)}, the admin token kept"


def _loopback(url: str) -> bool:
    host = url.split("//", 1)[1].rsplit(":", 1)[0].strip("[]")
    return host == "localhost" or host == "::1" or host.startswith("127.")


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
        removed_models=frozenset(args.removed or ()),
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
        webhook_allow_hosts=frozenset(args.webhook_hosts or ()),
        webhook_max_attempts=args.webhook_max_attempts,
        admin_token=args.admin_token,
        state_path=args.state,
        render=args.render,
        video_bitrate=args.video_bitrate,
        render_cache_bytes=args.render_cache_mb * 1024 * 1024,
        render_cache_dir=args.render_cache_dir,
        cors=args.cors,
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
    try:
        args = resolve(given, os.environ)
    except SettingsError as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    if args.version:
        print(f"mockserver (modelgates-mock) {_version()}")
        return 0
    if args.list_scenarios:
        return _list_scenarios()
    config = _config(args)
    try:
        app = create_app(config)  # the system clock at --speed, resumed from --state if given
    except (ScenarioError, WebhookConfigError, StateFileError, CatalogError) as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    except (_sqlite_error(), OSError) as exc:
        where = f"--state {config.state_path}: " if config.state_path else ""
        print(f"mockserver: {where}{exc}", file=sys.stderr)
        return 2
    try:
        listening = listen(args.host, args.port)
    except ListenError as exc:
        app.close()  # the state file's lock goes too
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    configure(args.log_format)
    app.controller.on_transition(TransitionLog())
    served: Any = Cors(app, args.cors) if args.cors else app
    if args.access_log:
        served = AccessLog(served)
    key = args.keys[0] if args.keys else new_api_key(args.seed)
    server = _Server(
        # ws="none": the API has no WebSocket routes, and loading a WebSocket protocol is ~10 ms of startup.
        uvicorn.Config(
            served,
            host=args.host,
            port=args.port,
            log_level="warning",
            log_config=None,  # its lines through ours: plain or, with --log-format json, JSON like the rest
            access_log=False,
            lifespan="on",
            ws="none",
            # Bounded connections (idle, head, body, header size, count; openapi/DECISIONS.md) and
            # a protocol that lets a download fault reset its connection.
            **uvicorn_options(),
            # A client that stalls mid-upload must not hold a stop forever: after this, its
            # request is cancelled and the process exits.
            timeout_graceful_shutdown=DRAIN_SECONDS,
        ),
        config,
        key,
        app,
    )
    # Everything built so far (modules, the document, the catalog) lives as long as the process:
    # out of the collector's sight, a full collection scans only what serving creates (jobs).
    # No collection first: that is ~25 ms of startup to free a few startup cycles.
    gc.freeze()
    # Serving makes no cyclic garbage (a 5 s submit flood left none), so the collector only
    # costs pauses: at a steady 10,000 jobs the default thresholds ran 215 young collections
    # (up to 117 ms on a busy machine) and a full one in 20 s; these run ~12, and no full one.
    gc.set_threshold(10_000, 20, 100)
    server.run(sockets=[listening])
    return 0 if server.started else 1
