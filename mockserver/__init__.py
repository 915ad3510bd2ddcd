"""modelgates-mock: a spec-faithful fake of the ModelGates video-generation API.

from mockserver import create_app, MockConfig, VirtualClock
app = create_app(MockConfig(scenario="slow-then-fail"), clock=VirtualClock())
"""

from __future__ import annotations

import typing as _typing

from mockserver.config import SCENARIO_HEADER, MockConfig
from mockserver.control.controller import OPERATOR, Controller, Scope
from mockserver.domain.clock import Clock, SystemClock, VirtualClock
from mockserver.domain.errors import ApiError
from mockserver.domain.jobs import Job, JobStatus
from mockserver.domain.keys import is_valid_key, new_api_key
from mockserver.domain.scenarios import Scenario, ScenarioError, builtin_scenarios, load_scenario
from mockserver.http.app import create_app, mock_controller, mock_state
from mockserver.http.instance import MockState

if _typing.TYPE_CHECKING:
    from mockserver.http.server import MockServer
    from mockserver.http.transport import AsyncASGITransport, SyncASGITransport

__all__ = [
    "SCENARIO_HEADER",
    "ApiError",
    "AsyncASGITransport",
    "Clock",
    "Controller",
    "Job",
    "JobStatus",
    "MockConfig",
    "MockServer",
    "MockState",
    "OPERATOR",
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
    "mock_state",
    "new_api_key",
]


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
    globals()[name] = value  # once imported, an ordinary attribute
    return value
