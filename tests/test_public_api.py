"""Each package's __all__ is exactly its public surface, and every name in it exists."""

from __future__ import annotations

import importlib

import pytest


def isort_key(name: str) -> tuple[int, str]:
    return (0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2, name)


PACKAGES = [
    "mockserver",
    "mockserver.domain",
    "mockserver.wire",
    "mockserver.http",
    "mockserver.control",
    "mockserver.webhooks",
    "mockserver.persistence",
    "mockserver.media",
    "client",
    "contracts",
]


@pytest.mark.parametrize("package", PACKAGES)
def test_all_lists_exactly_the_public_names(package: str) -> None:
    module = importlib.import_module(package)
    exported = set(getattr(module, "__all__", []))
    assert exported, f"{package} has no __all__"
    assert all(hasattr(module, name) for name in exported)
    public = {name for name in vars(module) if not name.startswith("_")} - {"annotations"}
    submodules = {name for name in public if type(getattr(module, name)).__name__ == "module"}
    assert public - submodules == exported
    # Sorted as ruff's RUF022 sorts (constants, classes, functions), which keeps every module's in order.
    assert list(module.__all__) == sorted(module.__all__, key=isort_key), f"{package}.__all__ is not sorted"


def test_client_never_imports_mockserver() -> None:
    import ast
    from pathlib import Path

    for path in Path(importlib.import_module("client").__file__ or "").parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.split(".")[0] == "mockserver" for n in names), f"{path} imports mockserver"


def test_the_package_root_names_its_exports_as_its_own() -> None:
    import mockserver

    assert mockserver.ApiError.__module__ == "mockserver"
    assert repr(mockserver.Controller).endswith("'mockserver.Controller'>")
