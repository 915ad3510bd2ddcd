"""`python -m bench.suite`: a downstream test file of N submit-poll-download tests, under pytest.

The issue's own check: the same app code tested two ways, each a real pytest run in a fresh
process on a generated file (`--tests` tests, default 200), paired in each round and taken in
turn (which goes first alternates):

- `modelgates_mock`: the plugin's fixture (entry point `modelgates`), the app's client on its
  `transport`, the mock's clock moved by the app's `sleep`;
- `respx`: the same client with static routes answering the mock's own bytes (captured once
  with `bench.fixture.Canned`), no plugin (`-p no:modelgates`), `sleep` a no-op.

Each test submits, polls `--polls` times (default 60) and downloads the MP4. A run reports the
time from the end of collection to the end of the session (the tests, their fixtures and
teardowns: `pytest_collection_finish` to `pytest_sessionfinish`, written by the generated
conftest) and the process's wall time; the ratio is fixture / respx of the tests' time, the
median of the rounds' own ratios. Loopback only: nothing leaves the processes.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .fixture import BODY, Canned

__all__ = ["main", "measure", "run_file", "write_suite"]

_CONFTEST = """
import json, os, time

_marks = {}


def pytest_collection_finish(session):
    _marks["start"] = time.perf_counter()


def pytest_sessionfinish(session, exitstatus):
    _marks["end"] = time.perf_counter()
    with open(os.environ["BENCH_SUITE_OUT"], "w") as out:
        json.dump({"tests_s": _marks["end"] - _marks.get("start", _marks["end"]), "exit": int(exitstatus)}, out)
"""

_APP = '''
import httpx

BODY = {body!r}
POLLS = {polls}


def render(http, sleep):
    """The app under test: submit, poll until done (sleeping between polls), download."""
    job_id = http.post("/videos", json=BODY).json()["id"]
    for _ in range(POLLS):
        http.get(f"/videos/{{job_id}}").raise_for_status()
        sleep(2.0)
    video = http.get(f"/videos/{{job_id}}/content")
    assert video.status_code == 200 and len(video.content) > 1000
'''

_WITH_FIXTURE = """
import httpx
import pytest

from app import render


@pytest.mark.parametrize("n", range({tests}))
def test_render(n, modelgates_mock):
    with httpx.Client(
        transport=modelgates_mock.transport, base_url=modelgates_mock.base_url, headers=modelgates_mock.headers
    ) as http:
        render(http, modelgates_mock.advance)
    assert len(modelgates_mock.exchanges()) == {requests}
"""

_WITH_RESPX = """
import base64, json
from pathlib import Path

import httpx
import pytest
import respx

from app import render

_CANNED = json.loads(Path(__file__).with_name("canned.json").read_text())
_SUBMIT = base64.b64decode(_CANNED["submit"])
_POLL = base64.b64decode(_CANNED["poll"])
_VIDEO = base64.b64decode(_CANNED["video"])
_JOB = _CANNED["job_id"]
_BASE = "http://testserver/api/v1"
_JSON = {{"content-type": "application/json"}}


@pytest.fixture
def mocked():
    with respx.mock(base_url=_BASE, assert_all_called=False) as router:
        router.post("/videos").respond(202, content=_SUBMIT, headers=_JSON)
        router.get(f"/videos/{{_JOB}}/content").respond(200, content=_VIDEO, headers={{"content-type": "video/mp4"}})
        router.get(f"/videos/{{_JOB}}").respond(200, content=_POLL, headers=_JSON)
        yield router


@pytest.mark.parametrize("n", range({tests}))
def test_render(n, mocked):
    with httpx.Client(base_url=_BASE, headers={{"Authorization": "Bearer sk-test"}}) as http:
        render(http, lambda seconds: None)
    assert mocked.calls.call_count == {requests}
"""


def write_suite(root: Path, tests: int, polls: int) -> None:
    """The generated project: the app, a conftest that times the tests, and the two test files."""
    canned = Canned()
    requests = polls + 2
    (root / "conftest.py").write_text(_CONFTEST)
    (root / "app.py").write_text(_APP.format(body=BODY, polls=polls))
    (root / "test_with_fixture.py").write_text(_WITH_FIXTURE.format(tests=tests, requests=requests))
    (root / "test_with_respx.py").write_text(_WITH_RESPX.format(tests=tests, requests=requests))
    encoded = {name: base64.b64encode(getattr(canned, name)).decode() for name in ("submit", "poll", "video")}
    (root / "canned.json").write_text(json.dumps({**encoded, "job_id": canned.job_id}))


def run_file(root: Path, variant: str) -> tuple[float, float]:
    """(tests' seconds, process wall seconds) of one pytest run of one test file."""
    out = root / f"{variant}.json"
    plugins = ["-p", "no:modelgates"] if variant == "respx" else []
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *plugins]
    command += ["-o", "addopts=", f"test_with_{variant}.py"]
    env = {**os.environ, "BENCH_SUITE_OUT": str(out), "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.perf_counter()
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - started
    figures = json.loads(out.read_text()) if out.exists() else {"exit": done.returncode}
    if done.returncode != 0 or figures.get("exit") != 0:
        raise RuntimeError(f"{variant} run failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return float(figures["tests_s"]), wall


def measure(tests: int, polls: int, rounds: int) -> dict[str, list[tuple[float, float]]]:
    """Each variant's (tests' seconds, wall seconds) per round, the rounds paired and alternated."""
    runs: dict[str, list[tuple[float, float]]] = {"modelgates_mock": [], "respx": []}
    with tempfile.TemporaryDirectory(prefix="bench-suite-") as tmp:
        root = Path(tmp)
        write_suite(root, tests, polls)
        for round_ in range(rounds):
            order = ["modelgates_mock", "respx"] if round_ % 2 == 0 else ["respx", "modelgates_mock"]
            for variant in order:
                runs[variant].append(run_file(root, "fixture" if variant == "modelgates_mock" else "respx"))
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.suite", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tests", type=int, default=200, help="tests in each file (default 200)")
    parser.add_argument("--polls", type=int, default=60, help="polls per test (default 60)")
    parser.add_argument("--rounds", type=int, default=3, help="paired rounds (median; default 3)")
    args = parser.parse_args(argv)
    runs = measure(args.tests, args.polls, args.rounds)
    ratios = [mine[0] / theirs[0] for mine, theirs in zip(runs["modelgates_mock"], runs["respx"], strict=True)]
    print(f"{args.tests} tests x (submit, {args.polls} polls, download), {args.rounds} paired rounds")
    print("| run | tests (s) | process wall (s) |")
    print("|---|---:|---:|")
    for variant, figures in runs.items():
        tests_s = statistics.median(f[0] for f in figures)
        wall_s = statistics.median(f[1] for f in figures)
        print(f"| {variant} | {tests_s:.2f} | {wall_s:.2f} |")
    verdict = "pass" if statistics.median(ratios) <= 1.0 else "FAIL"
    spread = f"{min(ratios):.2f}-{max(ratios):.2f}"
    print(f"fixture / respx, tests' time: {statistics.median(ratios):.2f}x ({spread}); target <= 1.0x {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
