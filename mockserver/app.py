"""`create_app`: one mock instance as a Starlette app. No module-level app, no global state."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .catalog import Catalog
from .clock import Clock, SystemClock
from .config import MockConfig
from .content import VideoLibrary
from .document import load_document
from .errors import DEFAULT_MESSAGES, ApiError, envelope
from .journal import Journal
from .ledger import Ledger
from .middleware import Guard
from .routes import api_routes
from .scenarios import builtin_scenarios
from .service import MockService
from .state import MockState
from .store import JobStore
from .validation import RequestValidator

__all__ = ["create_app", "build_state", "mock_state"]


def build_state(config: MockConfig, clock: Clock) -> MockState:
    document = load_document()
    service = MockService(
        clock=clock,
        catalog=Catalog.load(),
        scenarios=builtin_scenarios(),
        default_scenario=config.scenario,
        store=JobStore(config.seed, config.max_jobs),
        validator=RequestValidator(document.validator("VideoGenerationRequest")),
        seed=config.seed,
        ledger=Ledger(config.credits),
    )
    return MockState(
        config=config,
        clock=clock,
        service=service,
        journal=Journal(config.journal_size),
        document=document,
        videos=VideoLibrary(),
    )


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    # Starlette's own 404 (no route) and 405 (wrong method, with Allow) in the API's shape.
    assert isinstance(exc, HTTPException)
    message = DEFAULT_MESSAGES.get(exc.status_code, str(exc.detail))
    if exc.status_code == 405:
        message = f"Method {request.method} not allowed; allowed: {(exc.headers or {}).get('Allow', '')}"
    return JSONResponse(envelope(exc.status_code, message), exc.status_code, headers=exc.headers)


def create_app(config: MockConfig | None = None, *, clock: Clock | None = None) -> Starlette:
    """A fresh mock. Tests pass a `VirtualClock`; the CLI uses the system clock at `config.speed`."""
    config = config or MockConfig()
    state = build_state(config, clock or SystemClock(speed=config.speed))
    app = Starlette(
        routes=api_routes(),
        middleware=[Middleware(Guard, state=state)],
        exception_handlers={ApiError: _api_error, HTTPException: _http_error},
    )
    app.state.mock = state
    return app


def mock_state(app: Starlette) -> MockState:
    """The state behind an app made by `create_app` (store, clock, journal, service)."""
    state: MockState = app.state.mock
    return state
