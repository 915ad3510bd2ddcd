"""Contract harness for the ModelGates video API.

- `contracts.plugin`: the `modelgates` pytest plugin (`modelgates_mock`, `modelgates_server`,
  `@pytest.mark.modelgates`); the fixtures are `ModelGatesMock` / `ModelGatesServer`.
- `python -m contracts URL --key KEY` (`contracts.cli`, `run_contract`): the server suite
  against any live base URL.
- `contracts.inprocess`, `contracts.mirror`, `contracts.checks`: the Schemathesis suites of this
  project (server in-process, client property tests, custom checks).

The pytest plugin imports this package in every test run of its users, so nothing is imported
here eagerly: the names below load their module on first access.
"""

from __future__ import annotations

import importlib
import typing

if typing.TYPE_CHECKING:
    from contracts.fixtures import ModelGatesMock, ModelGatesServer
    from contracts.runner import run_contract
    from contracts.settings import SuiteSettings
    from contracts.violations import RunResult, Violation

__all__ = ["ModelGatesMock", "ModelGatesServer", "RunResult", "SuiteSettings", "Violation", "run_contract"]

_LAZY = {
    "ModelGatesMock": "contracts.fixtures",
    "ModelGatesServer": "contracts.fixtures",
    "RunResult": "contracts.violations",
    "SuiteSettings": "contracts.settings",
    "Violation": "contracts.violations",
    "run_contract": "contracts.runner",
}


def __getattr__(name: str) -> typing.Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'contracts' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value
