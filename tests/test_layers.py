"""The layers of ARCHITECTURE.md, held by reading every import statement of the packages.

Each rule names a layer (a package prefix) and what it may not import. Imports inside
`if TYPE_CHECKING:` blocks count too: a type is still a dependency a reader has to follow.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# (layer, forbidden prefixes, why)
RULES: list[tuple[str, tuple[str, ...], str]] = [
    (
        "mockserver.domain",
        (
            "mockserver.http",
            "mockserver.wire",
            "mockserver.control",
            "mockserver.webhooks",
            "mockserver.persistence",
            "mockserver.media",
            "mockserver.cli",
            "mockserver.config",
            "starlette",
            "uvicorn",
            "httpx",
        ),
        "the domain is plain Python: no HTTP, no framework, no I/O layer",
    ),
    (
        "mockserver.wire",
        (
            "mockserver.http",
            "mockserver.control",
            "mockserver.webhooks",
            "mockserver.persistence",
            "starlette",
            "uvicorn",
        ),
        "wire formats know only the domain",
    ),
    (
        "mockserver.persistence",
        ("mockserver.http", "mockserver.control", "mockserver.wire", "starlette", "uvicorn"),
        "persistence stores domain objects; it serves nothing",
    ),
    (
        "mockserver.media",
        (
            "mockserver.http",
            "mockserver.control",
            "mockserver.webhooks",
            "mockserver.persistence",
            "mockserver.wire",
            "starlette",
            "uvicorn",
        ),
        "rendering videos knows only the domain",
    ),
    (
        "mockserver.webhooks",
        ("mockserver.http", "mockserver.control", "mockserver.persistence", "starlette"),
        "webhooks are driven by the domain's transitions, not by the shell",
    ),
    (
        "mockserver.control",
        ("mockserver.http", "mockserver.persistence", "mockserver.webhooks"),
        "the control API steers the domain through the Controller, never the vendor shell",
    ),
    ("mockserver", ("client", "contracts"), "the fake and the reference client are independent twins"),
    ("client", ("mockserver", "contracts"), "the fake and the reference client are independent twins"),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module) for every import in the file, relative ones resolved."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield node.lineno, base
            for alias in node.names:  # `from mockserver import http` imports mockserver.http
                yield node.lineno, f"{base}.{alias.name}"


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def violations(rules: list[tuple[str, tuple[str, ...], str]], files: list[Path]) -> list[str]:
    found: dict[tuple[str, int, str], str] = {}  # one line per statement and rule: its module, not its names
    for path in files:
        name = module_name(path)
        for layer, forbidden, why in rules:
            if not _within(name, layer):
                continue
            for line, target in imported(path):
                if any(_within(target, prefix) for prefix in forbidden):
                    where = (str(path.relative_to(ROOT)), line, why)
                    if where not in found or len(target) < len(found[where]):
                        found[where] = target
    return sorted(f"{file}:{line} imports {target}: {why}" for (file, line, why), target in found.items())


def package_files() -> list[Path]:
    return sorted(p for package in ("mockserver", "client", "contracts") for p in (ROOT / package).rglob("*.py"))


def test_no_layer_imports_what_its_rule_forbids() -> None:
    assert violations(RULES, package_files()) == []


def test_the_rule_catches_a_domain_module_importing_starlette(tmp_path: Path) -> None:
    # The check itself can fail: a copy of a domain module with one bad import is reported.
    source = (ROOT / "mockserver/domain/jobs.py").read_text(encoding="utf-8")
    bad = ROOT / "mockserver/domain/_layer_probe.py"
    bad.write_text("from starlette.responses import Response\n" + source, encoding="utf-8")
    try:
        found = violations(RULES, [bad])
    finally:
        bad.unlink()
    assert found == ["mockserver/domain/_layer_probe.py:1 imports starlette.responses: " + RULES[0][2]]


@pytest.mark.parametrize(
    ("layer", "statement"),
    [
        ("mockserver/domain/_probe.py", "from mockserver.http.app import create_app"),
        ("mockserver/domain/_probe.py", "from ..persistence import sink"),
        ("mockserver/webhooks/_probe.py", "import mockserver.http.vendor"),
        ("mockserver/control/_probe.py", "from mockserver import http"),
        ("client/_probe.py", "import mockserver"),
    ],
)
def test_each_kind_of_import_is_seen(layer: str, statement: str) -> None:
    probe = ROOT / layer
    probe.write_text(statement + "\n", encoding="utf-8")
    try:
        assert violations(RULES, [probe]), f"{statement!r} in {layer} went unnoticed"
    finally:
        probe.unlink()


def test_no_import_cycles_between_modules() -> None:
    graph: dict[str, set[str]] = {}
    modules = {module_name(p) for p in package_files()}
    for path in package_files():
        if path.name == "__init__.py":
            continue  # a package re-exporting its modules is not a cycle of the modules
        deps = set()
        for _line, target in imported(path):
            while target and target not in modules:
                target = target.rpartition(".")[0]
            is_module = target and (ROOT / (target.replace(".", "/") + ".py")).exists()
            if is_module and target != module_name(path):
                deps.add(target)
        graph[module_name(path)] = deps
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                cycles.append(" -> ".join([*trail[trail.index(dep) :], dep]))
            elif dep not in state:
                visit(dep, [*trail, dep])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []
