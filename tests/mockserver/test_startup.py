"""The server's import path stays lean: startup time is mostly imports (issue #6)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import mockserver

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ["httpx", "pydantic", "rich", "yaml"]

# Imports the CLI, builds the app it would serve, reports which heavy modules got loaded.
_PROBE = (
    "import json, sys; import mockserver, mockserver.cli; "
    "mockserver.create_app(mockserver.MockConfig()); "
    "print(json.dumps([mockserver.__file__] + [name for name in sys.argv[1:] if name in sys.modules]))"
)


def _loaded(cache: Path) -> list[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *HEAVY],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=True,
    )
    loaded_from, *loaded = json.loads(result.stdout)
    assert loaded_from == mockserver.__file__  # the code under test, not another checkout
    return list(loaded)


def test_the_server_starts_without_httpx_pydantic_or_yaml(tmp_path: Path) -> None:
    # httpx (~50 ms, with rich) loads on the first webhook; scenarios are checked without
    # pydantic; the OpenAPI document is parsed by PyYAML once, then read from its JSON form.
    assert _loaded(tmp_path) == ["yaml"]  # a cold cache: parsed once
    assert _loaded(tmp_path) == []


def test_the_package_alone_leaves_the_live_server_and_transport_for_later() -> None:
    probe = (
        "import sys, mockserver; before = 'uvicorn' in sys.modules or 'httpx' in sys.modules; "
        "from mockserver import MockServer, SyncASGITransport; "
        "print(before, 'mockserver.http.server' in sys.modules, 'mockserver.http.transport' in sys.modules, "
        "MockServer.__module__, SyncASGITransport.__module__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60, check=True
    )
    assert result.stdout.split() == ["False", "True", "True", "mockserver", "mockserver"]


def test_sqlite_loads_only_with_state() -> None:
    probe = (
        "import sys, mockserver; mockserver.create_app(mockserver.MockConfig()); "
        "import mockserver.persistence; print('sqlite3' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60, check=True
    )
    assert result.stdout.split() == ["False"]
