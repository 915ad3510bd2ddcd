"""The README's examples, run as typed: every shell and Python block, unless marked as not run.

A block that cannot run here says so on the line before it (`<!-- readme-test: skip (why) -->`);
`127.0.0.1:8000` in a block is the test's own mock (on a free port: others share this machine).
The plugin section's Python blocks are run by tests/contracts (test_plugin, test_shell_app).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver import MockConfig, MockServer, SystemClock

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
SECTION = (ROOT / "contracts" / "README_SECTION.md").read_text()
BLOCK = re.compile(r"(?P<before>[^\n]*)\n```(?P<lang>sh|bash|python)\n(?P<code>.*?)```", re.DOTALL)
SKIP = re.compile(r"<!-- readme-test: skip \(.+\) -->")


def _blocks(lang: tuple[str, ...]) -> list[str]:
    found = []
    for match in BLOCK.finditer(README.replace(SECTION, "")):
        if match["lang"] in lang and not SKIP.fullmatch(match["before"].strip()):
            found.append(match["code"])
    return found


@pytest.fixture(scope="module")
def live_mock() -> Iterator[MockServer]:
    # As the README starts it (`--speed 60`, the default scenario), on a free port.
    with MockServer(MockConfig(scenario="happy"), clock=SystemClock(speed=60)) as server:
        yield server


def _local(code: str, server: MockServer) -> str:
    return code.replace("127.0.0.1:8000", f"127.0.0.1:{server.port}")


def test_every_block_is_run_or_says_why_not() -> None:
    marked = [m for m in BLOCK.finditer(README) if SKIP.fullmatch(m["before"].strip())]
    assert len(marked) == 3  # the install lines, `st run` and `python -m contracts`
    assert len(_blocks(("sh", "bash"))) == 1 and len(_blocks(("python",))) == 2


def test_the_shell_examples_run(live_mock: MockServer, tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env["PYTHONPATH"] = str(ROOT)  # this checkout, whatever the venv's editable install points at
    env.pop("MODELGATES_BASE_URL", None)
    for code in _blocks(("sh", "bash")):
        done = subprocess.run(
            ["sh", "-eu", "-c", _local(code, live_mock)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"{code}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    assert (tmp_path / "greenhouse.mp4").read_bytes()[4:8] == b"ftyp"
    assert (tmp_path / "again.mp4").read_bytes() == (tmp_path / "greenhouse.mp4").read_bytes()
    assert "google/veo-3.1-lite" in done.stdout and re.search(r"^job \S+ completed$", done.stdout, re.MULTILINE)


def test_the_python_examples_run(live_mock: MockServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MODELGATES_API_KEY", "sk-mg-v1-" + "0a" * 32)
    for code in _blocks(("python",)):
        exec(compile(_local(code, live_mock), "README.md", "exec"), {})
    assert (tmp_path / "greenhouse.mp4").read_bytes()[4:8] == b"ftyp"
