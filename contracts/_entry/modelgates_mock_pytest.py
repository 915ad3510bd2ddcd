"""The `modelgates` pytest plugin's entry point, under a module name no app has.

`python -m pytest` puts the app's own folder first on `sys.path`, so an app with a top-level
`contracts` package of its own would shadow this project's, and an entry point naming
`contracts.pytest_plugin` would fail to load (`No module named 'contracts.pytest_plugin'`).
This module finds the harness that was installed with it and, when the name `contracts` belongs
to someone else, loads ours under a private name (the harness imports itself relatively only).
The wheel installs this file at the top level; a checkout has it on the path through the
editable install (pyproject: `dev-mode-dirs`).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from importlib import metadata
from pathlib import Path
from types import ModuleType

PRIVATE_NAME = "_modelgates_mock_contracts"
_DISTRIBUTION = "modelgates-mock"


def _is_harness(folder: Path) -> bool:
    return (folder / "__init__.py").is_file() and (folder / "pytest_plugin" / "__init__.py").is_file()


def harness_dir() -> Path:
    """The `contracts` folder installed with this module: beside it (a wheel), its parent (a
    checkout), or the project an editable install points at."""
    here = Path(__file__).resolve().parent
    candidates = [here / "contracts", here.parent]
    try:
        direct = metadata.distribution(_DISTRIBUTION).read_text("direct_url.json")
        url = json.loads(direct or "{}").get("url", "")
        if url.startswith("file://"):
            candidates.append(Path(url[len("file://") :]) / "contracts")
    except metadata.PackageNotFoundError:
        pass
    for folder in candidates:
        if _is_harness(folder):
            return folder
    raise ImportError(f"modelgates-mock's contracts package is not installed beside {here}")


def _load() -> ModuleType:
    ours = harness_dir().resolve()
    spec = importlib.util.find_spec("contracts")
    if spec is not None and spec.origin is not None and Path(spec.origin).resolve().parent == ours:
        return importlib.import_module("contracts.pytest_plugin")  # the usual case: the name is ours
    if PRIVATE_NAME not in sys.modules:
        private = importlib.util.spec_from_file_location(
            PRIVATE_NAME, ours / "__init__.py", submodule_search_locations=[str(ours)]
        )
        assert private is not None and private.loader is not None
        package = importlib.util.module_from_spec(private)
        sys.modules[PRIVATE_NAME] = package
        private.loader.exec_module(package)
    return importlib.import_module(f"{PRIVATE_NAME}.pytest_plugin")


_plugin = _load()
# pytest reads hooks and fixtures off this module: they are the plugin's own objects.
globals().update({name: getattr(_plugin, name) for name in _plugin.__all__})
__all__ = list(_plugin.__all__)
