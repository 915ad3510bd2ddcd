"""Contract harness for the ModelGates video API.

Three products, one subpackage each:

- `pytest_plugin`: the `modelgates` pytest plugin (`modelgates_mock`, `modelgates_server`,
  `@pytest.mark.modelgates`, the journal assertions); the fixtures are `ModelGatesMock` /
  `ModelGatesServer`. Its entry point is the module `modelgates_mock_pytest` (`_entry/`), a name
  no app has, which loads this package even where an app's own `contracts` shadows it.
- `suites`: this project's Schemathesis suites (the server in-process, the client's property
  tests, the custom checks and the lifecycle probe they share).
- `url_check`: `python -m contracts URL --key KEY` (`run_contract`): the server suite against
  any live base URL, with a readable report and JUnit XML.

Inside the package every import is relative, so it works under whatever name it was loaded as.
The pytest plugin imports this package in every test run of its users, so nothing is imported
here eagerly: the names below load their module on first access.
"""

from __future__ import annotations

import importlib
import typing

if typing.TYPE_CHECKING:
    from .pytest_plugin.fixtures import ModelGatesMock, ModelGatesServer
    from .suites.settings import SuiteSettings
    from .url_check.runner import run_contract
    from .url_check.violations import RunResult, Violation

__all__ = ["ModelGatesMock", "ModelGatesServer", "RunResult", "SuiteSettings", "Violation", "run_contract"]

_LAZY = {
    "ModelGatesMock": ".pytest_plugin.fixtures",
    "ModelGatesServer": ".pytest_plugin.fixtures",
    "RunResult": ".url_check.violations",
    "SuiteSettings": ".suites.settings",
    "Violation": ".url_check.violations",
    "run_contract": ".url_check.runner",
}


def __getattr__(name: str) -> typing.Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'contracts' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value
