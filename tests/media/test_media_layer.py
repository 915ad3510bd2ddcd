"""mockserver.media is pure media code: it imports only the domain, never the HTTP layer."""

from __future__ import annotations

import ast
from pathlib import Path

import mockserver.media

DOMAIN = {"jobs", "catalog", "errors"}
FORBIDDEN_TOP = {"starlette", "uvicorn", "httpx", "mockserver"}


def imports(path: Path) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(0, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
    return found


def test_media_imports_only_the_domain() -> None:
    folder = Path(mockserver.media.__file__).parent
    for path in folder.glob("*.py"):
        for level, module in imports(path):
            top = module.split(".")[0]
            if level == 0:
                assert top not in FORBIDDEN_TOP, f"{path.name} imports {module}"
            elif level == 2:  # from ..x import
                assert top in DOMAIN, f"{path.name} imports mockserver.{module}"
            else:
                assert level == 1, f"{path.name}: from {'.' * level}{module}"


def test_exports_are_sorted_and_public() -> None:
    names = mockserver.media.__all__
    assert names == sorted(names)
    assert all(hasattr(mockserver.media, name) for name in names)
