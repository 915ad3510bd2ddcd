"""The sync client is the async client with the asyncio words taken out (unasync-style check).

Docstrings are ignored; everything else must match after the substitutions below, so a fix made
in one twin and forgotten in the other fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

CLIENT_DIR = Path(__file__).resolve().parents[2] / "client"

# (async pattern, sync replacement), applied in order to the async source.
UNASYNC = [
    (r"^import asyncio\n", ""),
    (r"Awaitable, Callable", "Callable"),
    (r"Awaitable\[object\]\](\s*=\s*)asyncio\.sleep", r"object]\1time.sleep"),
    (r"\bAsyncModelGates\b", "ModelGates"),
    (r"\bhttpx\.AsyncClient\b", "httpx.Client"),
    (r"\bhttpx\.AsyncBaseTransport\b", "httpx.BaseTransport"),
    (r"\basync (def|with|for) ", r"\1 "),
    (r"\bawait ", ""),
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\baclose\b", "close"),
    (r"\baread\b", "read"),
    (r"\baiter_bytes\b", "iter_bytes"),
]


def code_without_docstrings(source: str) -> str:
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            body[0] = ast.Pass()
    return ast.unparse(tree) + "\n"


def unasync(source: str) -> str:
    for pattern, replacement in UNASYNC:
        source = re.sub(pattern, replacement, source, flags=re.MULTILINE)
    return source


def test_sync_client_is_the_async_client_unasynced() -> None:
    async_code = code_without_docstrings((CLIENT_DIR / "_async.py").read_text())
    sync_code = code_without_docstrings((CLIENT_DIR / "_sync.py").read_text())
    assert unasync(async_code) == sync_code


def test_twin_methods_stay_short() -> None:
    for name in ("_sync.py", "_async.py"):
        tree = ast.parse((CLIENT_DIR / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                body = node.body[1:] if ast.get_docstring(node) else node.body
                lines = body[-1].end_lineno - body[0].lineno + 1  # type: ignore[operator]
                assert lines <= 20, f"{name}:{node.name} has {lines} lines of code"
