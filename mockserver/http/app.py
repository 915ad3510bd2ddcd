"""`create_app`: one mock instance as a Starlette app. No module-level app, no global state."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

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
from mockserver.http.instance import MockState
from mockserver.persistence.sink import NullSink
from mockserver.persistence.state_file import StateFile
from mockserver.webhooks.dispatcher import WebhookDispatcher
from mockserver.wire.auth import new_admin_token

__all__ = ["create_app", "build_state", "mock_state", "mock_controller"]


def build_state(config: MockConfig, clock: Clock, state_file: StateFile | None = None) -> MockState:
    sink = state_file or NullSink()
    version = config.version
    document = load_document(version.document)
    service = MockService(
        clock=clock,
        catalog=load_catalog(config, document),
        scenarios=builtin_scenarios(),
        default_scenario=config.scenario,
        store=JobStore(config.seed, config.max_jobs, sink),
        validator=RequestValidator(document.validator("VideoGenerationRequest")),
        seed=config.seed,
        ledger=Ledger(config.credits, sink),
        limiter=RateLimiter(config.rate_limit),
        max_concurrent_jobs=config.max_concurrent_jobs,
        speed=clock.speed if isinstance(clock, SystemClock) else 1.0,
        version=version,
    )
    journal = Journal(config.journal_size, sink)
    state = MockState(
        config=config,
        clock=clock,
        service=service,
        journal=journal,
        document=document,
        videos=VideoLibrary(),
        webhooks=WebhookDispatcher(config=config, clock=clock, service=service, journal=journal, sink=sink),
        sink=sink,
        admin_token=config.admin_token or new_admin_token(),
    )
    if state_file is not None:
        _restore(state, state_file)
    return state


def _restore(state: MockState, state_file: StateFile) -> None:
    restored = state_file.load()
    service = state.service
    for name in {job.scenario for job in restored.jobs} | {s for s in restored.scenarios.values() if s}:
        with contextlib.suppress(ScenarioError):  # a scenario file since deleted: jobs keep their timelines
            service.add_scenario(name)
    service.store.restore(restored.jobs, restored.scenarios, restored.counts)
    service.ledger.restore(restored.ledger)
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
    # Only a served app has a lifespan; in-process tests call `state.webhooks.pump()` themselves.
    state = mock_state(app)
    pump = asyncio.create_task(state.webhooks.run_forever(state.errors), name="webhook-pump")
    try:
        yield
    finally:
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pump


class MockApp(Starlette):
    """Starlette whose HTTP requests all enter through the `Guard` first.

    The Guard answers the vendor routes itself (api.py) and hands everything else to Starlette:
    outside Starlette's middleware stack, a poll skips two layers and a wrapped `send`.
    """

    guard: Guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope["app"] = self
            await self.guard(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    async def framework(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Starlette's own handling: documents, the control API, unknown paths."""
        await super().__call__(scope, receive, send)


def create_app(config: MockConfig | None = None, *, clock: Clock | None = None) -> Starlette:
    """A fresh mock. Tests pass a `VirtualClock`; the CLI uses the system clock at `config.speed`."""
    config = config or MockConfig()
    state_file = StateFile(config.state_path, journal_size=config.journal_size) if config.state_path else None
    if clock is None:
        clock = state_file.system_clock(config.speed) if state_file else SystemClock(speed=config.speed)
    state = build_state(config, clock, state_file)
    app = MockApp(
        routes=[*document_routes(), *control_routes()],
        exception_handlers={ApiError: _api_error, HTTPException: _http_error},
        lifespan=_lifespan,
    )
    # The Guard journals and envelopes every HTTP request, the vendor routes' and Starlette's.
    app.guard = Guard(app.framework, state=state)
    app.state.mock = state
    app.state.control = Controller(state, deliveries=state.webhooks)
    return app


def mock_state(app: Starlette) -> MockState:
    """The state behind an app made by `create_app` (store, clock, journal, service)."""
    state: MockState = app.state.mock
    return state


def mock_controller(app: Starlette) -> Controller:
    """The operator's controls of an app made by `create_app` (what `/_mock/` and the plugin call)."""
    controller: Controller = app.state.control
    return controller
