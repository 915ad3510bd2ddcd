"""The server's import path stays lean: startup time is mostly imports (issue #6)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import mockserver

ROOT = Path(__file__).resolve().parents[2]

_PROBE = (
    "import json, sys; import mockserver, mockserver.cli; "
    "print(json.dumps([mockserver.__file__] + [name in sys.modules for name in sys.argv[1:]]))"
)


def test_the_cli_imports_neither_httpx_nor_pydantic() -> None:
    # httpx (~50 ms, with rich) loads on the first webhook; scenarios are checked without pydantic.
    heavy = ["httpx", "pydantic", "rich"]
    result = subprocess.run([sys.executable, "-c", _PROBE, *heavy], capture_output=True, text=True,
                            cwd=ROOT, timeout=60, check=True)
    loaded_from, *loaded = json.loads(result.stdout)
    assert loaded_from == mockserver.__file__  # the code under test, not another checkout
    assert dict(zip(heavy, loaded, strict=True)) == dict.fromkeys(heavy, False)
