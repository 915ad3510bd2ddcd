"""`create_app`: one mock instance as a Starlette app. No module-level app, no global state."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from mockserver.config import MockConfig
from mockserver.control.controller import Controller
from mockserver.control.routes import control_routes
from mockserver.domain.clock import Clock, SystemClock
from mockserver.domain.errors import DEFAULT_MESSAGES, ApiError, envelope
from mockserver.domain.journal import Journal
from mockserver.domain.ledger import Ledger
from mockserver.domain.ratelimit import RateLimiter
from mockserver.domain.requests import RequestValidator
from mockserver.domain.scenarios import ScenarioError, builtin_scenarios
from mockserver.domain.service import MockService
from mockserver.domain.store import JobStore
from mockserver.http.catalogs import load_catalog
from mockserver.http.content import VideoLibrary
from mockserver.http.document_routes import document_routes
from mockserver.http.documents import load_document
from mockserver.http.guard import Guard
from mockserver.http.instance import Instance, new_url_secret
from mockserver.http.router import vendor_route
from mockserver.persistence.sink import NullSink
from mockserver.webhooks.dispatcher import WebhookDispatcher
from mockserver.wire.auth import new_admin_token

if TYPE_CHECKING:  # SQLite loads only with --state
    from mockserver.persistence.state_file import StateFile

__all__ = ["MockApp", "build_instance", "create_app", "mock_controller"]

log = logging.getLogger("mockserver")


def build_instance(config: MockConfig, clock: Clock, state_file: StateFile | None = None) -> Instance:
    """Wire one instance: with a state file, it is the writer of the store and each producer's callback."""
    sink = state_file or NullSink()
    version = config.version
    document = load_document(version.document)
    service = MockService(
        clock=clock,
        catalog=load_catalog(config, document),
        scenarios=builtin_scenarios(),
        default_scenario=config.scenario,
        store=JobStore(config.seed, config.max_jobs, state_file),
        validator=RequestValidator(document.validator("VideoGenerationRequest")),
        seed=config.seed,
        ledger=Ledger(config.credits, state_file.ledger if state_file else None),
        limiter=RateLimiter(config.rate_limit),
        max_concurrent_jobs=config.max_concurrent_jobs,
        speed=clock.speed if isinstance(clock, SystemClock) else 1.0,
        version=version,
    )
    journal = Journal(config.journal_size, state_file.journal if state_file else None)
    state = Instance(
        config=config,
        clock=clock,
        service=service,
        journal=journal,
        document=document,
        videos=VideoLibrary.for_config(config, service.catalog),
        webhooks=WebhookDispatcher(
            config=config,
            clock=clock,
            service=service,
            journal=journal,
            on_delivery=state_file.delivery if state_file else None,
            max_kept=config.max_jobs or _DELIVERIES_KEPT,
        ),
        sink=sink,
        admin_token=_admin_token(config, state_file),
        url_secret=_url_secret(state_file),
    )
    if state_file is not None:
        _restore(state, state_file)
    return state


def _admin_token(config: MockConfig, state_file: StateFile | None) -> str:
    """The configured token, else the one the state file kept (an old dashboard URL keeps working), else a new one."""
    token: str = config.admin_token or (state_file.get_meta("admin_token") if state_file else None) or new_admin_token()
    if state_file is not None:
        state_file.set_meta("admin_token", token)
    return token


def _url_secret(state_file: StateFile | None) -> bytes:
    """The key of 2026-10's signed `urls`: the state file's (URLs handed out before a restart keep
    working until their `expires_at`), else a new one."""
    kept = state_file.get_meta("url_secret") if state_file else None
    if isinstance(kept, str) and re.fullmatch("[0-9a-f]{64}", kept):
        return bytes.fromhex(kept)
    secret = new_url_secret()
    if state_file is not None:
        state_file.set_meta("url_secret", secret.hex())
    return secret


# Finished webhook deliveries kept without `max_jobs` (one per job at most, so the same bound).
_DELIVERIES_KEPT = 10_000


def _restore(state: Instance, state_file: StateFile) -> None:
    # Loading 10,000 jobs makes ~150,000 objects and no cycles: the collector's passes over
    # them (a full one every ~7,000 new objects) were 40% of a restart.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _load(state, state_file)
    finally:
        if collecting:
            gc.enable()


def _load(state: Instance, state_file: StateFile) -> None:
    restored = state_file.load()
    service = state.service
    for name in {job.scenario for job in restored.jobs}:
        with contextlib.suppress(ScenarioError):  # a scenario file since deleted: jobs keep their timelines
            service.add_scenario(name)
    tenants = dict(restored.tenants)
    for key, settings in restored.tenants.items():
        if settings.scenario is None:
            continue
        try:
            service.add_scenario(settings.scenario)
        except ScenarioError as exc:
            # Kept, the setting would refuse every submit of the key with 400; the server's default applies.
            log.warning("key %s…: its scenario setting is dropped (%s)", key[:12], exc)
            tenants[key] = replace(settings, scenario=None)
            state_file.tenant(key, None, settings.disabled)
    service.store.restore(restored.jobs, tenants, restored.counts, restored.epoch)
    service.ledger.restore(restored.ledger, restored.carried)
    state.journal.restore(restored.journal)
    state.webhooks.restore(restored.deliveries, restored.jobs)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    # Starlette's own 404 (no route) and 405 (wrong method, with Allow) in the API's shape.
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        error = ApiError.not_allowed(request.method, (exc.headers or {}).get("Allow", ""))
        return JSONResponse(error.body(), 405, headers=error.headers)
    message = DEFAULT_MESSAGES.get(exc.status_code, str(exc.detail))
    return JSONResponse(envelope(exc.status_code, message), exc.status_code, headers=exc.headers)


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    # Only a served app has a lifespan; in-process tests call `instance.webhooks.pump()` themselves.
    assert isinstance(app, MockApp)
    state = app.instance
    state.sink.group_commits(asyncio.get_running_loop())  # served: submits of a turn share a commit
    state.sink.write_behind()  # and journal rows are written on a thread of their own
    tasks = [
        asyncio.create_task(state.webhooks.run_forever(state.errors), name="webhook-pump"),
        asyncio.create_task(_flush_forever(state), name="state-flush"),
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        state.sink.flush()


async def _flush_forever(state: Instance, interval: float = 0.1) -> None:
    """Journal rows wait for a commit; in a quiet moment they must not wait longer than this."""
    while True:
        await asyncio.sleep(interval)
        state.sink.tick()


class MockApp(Starlette):
    """Starlette whose HTTP requests all enter through the `Guard` first.

    The Guard answers the vendor routes itself (api.py) and hands everything else to Starlette:
    outside Starlette's middleware stack, a poll skips two layers and a wrapped `send`.
    """

    guard: Guard
    instance: Instance  # the wiring of this mock (shell-internal)
    controller: Controller  # the one front object: what /_mock/, the plugin and tests call

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope["app"] = self
            await self.guard(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    def close(self) -> None:
        """Let go of what the mock holds outside memory (the state file and its lock)."""
        self.instance.close()

    def answers_at_once(self, scope: Scope) -> bool:
        """True for requests answered without awaiting anything but `receive` and `send` (the
        vendor routes): `SyncASGITransport` then runs them without an event loop. A vendor route
        that starts awaiting anything else must make this False for it: a download awaits its
        render (in a worker thread) whenever videos are rendered."""
        if scope["type"] != "http":
            return False
        route = vendor_route(scope["path"])
        if route is None:
            return False
        return route.operation != "content" or self.instance.videos.renderer is None

    async def framework(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Starlette's own handling: documents, the control API, unknown paths."""
        await super().__call__(scope, receive, send)


def create_app(config: MockConfig | None = None, *, clock: Clock | None = None) -> MockApp:
    """A fresh mock. Tests pass a `VirtualClock`; the CLI uses the system clock at `config.speed`."""
    config = config or MockConfig()
    state_file = None
    if config.state_path:
        from mockserver.persistence.state_file import StateFile

        state_file = StateFile(
            config.state_path, journal_size=config.journal_size, deliveries_kept=config.max_jobs or _DELIVERIES_KEPT
        )
    try:
        if clock is None:
            clock = state_file.system_clock(config.speed) if state_file else SystemClock(speed=config.speed)
        state = build_instance(config, clock, state_file)
    except BaseException:
        if state_file is not None:
            state_file.close()  # a file it cannot load: its lock and its checkpoint thread go too
        raise
    controller = state.controller
    app = MockApp(
        routes=[
            *document_routes(state.served_document),
            *control_routes(controller, admin_token=state.admin_token, api_keys=config.api_keys),
        ],
        exception_handlers={ApiError: _api_error, HTTPException: _http_error},
        lifespan=_lifespan,
    )
    # The Guard journals and envelopes every HTTP request, the vendor routes' and Starlette's.
    app.guard = Guard(app.framework, state=state)
    app.instance = state
    app.controller = controller
    return app


def mock_controller(app: Starlette) -> Controller:
    """The operator's controls of an app made by `create_app` (what `/_mock/` and the plugin call)."""
    if not isinstance(app, MockApp):
        raise TypeError(f"not an app made by mockserver.create_app: {app!r}")
    return app.controller
