"""modelgates-mock: a spec-faithful fake of the ModelGates video-generation API.

from mockserver import create_app, MockConfig, VirtualClock
app = create_app(MockConfig(scenario="slow-then-fail"), clock=VirtualClock())
"""

from __future__ import annotations

import types as _types
import typing as _typing

from mockserver.config import SCENARIO_HEADER, MockConfig
from mockserver.control.controller import Controller
from mockserver.control.scope import OPERATOR, Scope
from mockserver.domain.clock import Clock, PacedClock, SystemClock, VirtualClock
from mockserver.domain.errors import ApiError
from mockserver.domain.jobs import Job, JobStatus
from mockserver.domain.keys import is_valid_key, new_api_key
from mockserver.domain.scenarios import Scenario, ScenarioError, builtin_scenarios, load_scenario
from mockserver.http.app import MockApp, create_app, mock_controller

if _typing.TYPE_CHECKING:
    from mockserver.http.server import MockServer
    from mockserver.http.transport import AsyncASGITransport, SyncASGITransport

__all__ = [
    "OPERATOR",
    "OPERATOR",
    "SCENARIO_HEADER",
    "ApiError",
    "AsyncASGITransport",
    "Clock",
    "Controller",
    "Job",
    "JobStatus",
    "MockApp",
    "MockConfig",
    "MockServer",
    "PacedClock",
    "Scenario",
    "ScenarioError",
    "Scope",
    "SyncASGITransport",
    "SystemClock",
    "VirtualClock",
    "builtin_scenarios",
    "create_app",
    "is_valid_key",
    "load_scenario",
    "mock_controller",
    "new_api_key",
]


# Tracebacks and reprs read `mockserver.ApiError`, not `mockserver.domain.errors.ApiError`.
for _name in __all__:
    _value = globals().get(_name)
    if isinstance(_value, type | _types.FunctionType):
        _value.__module__ = "mockserver"
del _name, _value


def __getattr__(name: str) -> object:
    # Imported when first asked for: httpx (with the CLI libraries it pulls in) is ~0.1 s and
    # only in-process tests need the transport; uvicorn (~25 ms with click) only live servers.
    value: object
    if name in ("SyncASGITransport", "AsyncASGITransport"):
        from mockserver.http import transport

        value = getattr(transport, name)
    elif name == "MockServer":
        from mockserver.http.server import MockServer

        value = MockServer
    else:
        raise AttributeError(f"module 'mockserver' has no attribute {name!r}")
    value.__module__ = "mockserver"
    globals()[name] = value  # once imported, an ordinary attribute
    return value
