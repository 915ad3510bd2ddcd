"""What `pip install modelgates-mock` pulls in is what the shipped packages import."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("mockserver", "client", "contracts")
IMPORT_NAMES = {"jsonschema-rs": "jsonschema_rs", "pyyaml": "yaml"}  # distribution → import name


def _project() -> dict[str, object]:
    project: dict[str, object] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project


def _distribution(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower()


def _imported_top_levels() -> set[str]:
    names: set[str] = set()
    for package in SHIPPED:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.add(node.module.split(".")[0])
    return names


def test_every_runtime_dependency_is_imported_by_a_shipped_package() -> None:
    dependencies = _project()["dependencies"]
    assert isinstance(dependencies, list)
    imported = _imported_top_levels()
    unused = [d for d in map(_distribution, dependencies) if IMPORT_NAMES.get(d, d) not in imported]
    assert unused == [], f"runtime dependencies only tests use (move them to the test extra): {unused}"


def test_faker_is_a_test_dependency() -> None:
    extras = _project()["optional-dependencies"]
    assert isinstance(extras, dict)
    assert "faker" in map(_distribution, extras["test"])
