"""The package's public surface is deliberate, and `client` never depends on `mockserver`."""

from __future__ import annotations

import ast
import importlib
import types
from pathlib import Path

import pytest

import client
from tests.test_public_api import isort_key

CLIENT_DIR = Path(client.__file__).resolve().parent


def test_all_is_sorted_and_equals_the_public_names() -> None:
    public = [
        name
        for name, value in vars(client).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    ]
    assert client.__all__ == sorted(client.__all__, key=isort_key)  # as ruff RUF022 keeps it
    assert client.__all__ == sorted(public, key=isort_key)


@pytest.mark.parametrize("module", ["client.errors", "client.models", "client.select", "client.images"])
def test_public_modules_are_re_exported(module: str) -> None:
    namespace = importlib.import_module(module)
    # The lookup tables stay in `client.errors`; every class and helper is re-exported.
    exported = {n for n in namespace.__all__ if not n.endswith("_ERRORS")}
    assert exported <= set(client.__all__)


def test_exported_classes_and_functions_present_themselves_as_client() -> None:
    for name in client.__all__:
        value = getattr(client, name)
        if isinstance(value, type | types.FunctionType):
            assert value.__module__ == "client", name


def test_every_module_declares_all() -> None:
    for path in CLIENT_DIR.glob("*.py"):
        if path.name != "__init__.py":
            assert "__all__" in {
                target.id
                for node in ast.parse(path.read_text()).body
                if isinstance(node, ast.Assign)
                for target in node.targets
                if isinstance(target, ast.Name)
            }, path.name


def test_client_never_imports_mockserver() -> None:
    for path in CLIENT_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "mockserver" for n in names), path.name
