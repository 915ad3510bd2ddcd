"""The README's non-Python example: a shell-script app against the live fixture, checked over HTTP.

The app sleeps for real (about 1.5 s in all); the tests here do not.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

import client  # noqa: F401  (imported before pytester runs: see test_plugin)
import contracts.pytest_plugin.fixtures  # noqa: F401

pytest_plugins = ["pytester"]

HERE = Path(__file__).resolve().parent
README = HERE.parents[1] / "README.md"
SECTION = HERE.parents[1] / "contracts" / "README_SECTION.md"
PLUGIN = ("-p", "modelgates", "-p", "no:cacheprovider", "-p", "no:asyncio")


def _example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", SECTION.read_text(), re.DOTALL)
    found = [block for block in blocks if block.startswith("# tests/test_shell_app.py")]
    assert len(found) == 1, "README_SECTION.md has no shell-app example"
    return str(found[0])


def test_readme_carries_the_plugin_section_verbatim() -> None:
    assert SECTION.read_text() in README.read_text()


def test_the_shell_app_example_passes(pytester: pytest.Pytester) -> None:
    if shutil.which("curl") is None:
        if os.environ.get("CI"):
            pytest.fail("curl is not installed, and CI must run the shell-app example")
        pytest.skip("the example app needs curl")
    apps = pytester.mkdir("apps")
    shutil.copy(HERE / "apps" / "render.sh", apps / "render.sh")
    pytester.makepyfile(test_shell_app=_example())
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=2)
