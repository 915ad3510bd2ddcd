"""The `modelgates` pytest plugin, as its users see it: sample test files run with `pytester`.

The project's own runs disable the installed plugin (`-p no:modelgates`), so every sample run
enables it explicitly.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

# Imported here, before any in-process pytester run: `runpytest` restores `sys.modules` after each
# run, and re-importing PyYAML's C loader (and so the mock) in the next run breaks it.
import client  # noqa: F401
import contracts.pytest_plugin.fixtures  # noqa: F401

pytest_plugins = ["pytester"]

README_SECTION = Path(__file__).resolve().parents[2] / "contracts" / "README_SECTION.md"
# The installed entry point; pytest-asyncio (if present) warns at configure time, and warnings are errors here.
PLUGIN = ("-p", "modelgates", "-p", "no:cacheprovider", "-p", "no:asyncio")

# A misbehaving downstream app: plain httpx, written the way people write pollers.
APP = """
import httpx

BODY = {"model": "google/veo-3.1-lite", "prompt": "a cat", "duration": 4}


def make_video(http, key, *, sleep, interval=30.0, stop_when_done=True, resubmit_on_500=False, leak_to=None):
    auth = {"Authorization": f"Bearer {key}"}
    answer = http.post("/videos", json=BODY, headers=auth)
    if answer.status_code == 500 and resubmit_on_500:
        answer = http.post("/videos", json=BODY, headers=auth)
    job = answer.json()
    extra_polls = 0 if stop_when_done else 2
    while True:
        sleep(interval)
        job = http.get(job["polling_url"], headers=auth).json()
        if job["status"] in ("completed", "failed", "cancelled", "expired"):
            if extra_polls == 0:
                break
            extra_polls -= 1
    if leak_to:
        try:
            http.get(leak_to, headers=auth)
        except httpx.ConnectError:
            pass
    video = http.get(job["unsigned_urls"][0], headers=auth)
    return job, video
"""


def _readme_example() -> str:
    match = re.search(r"```python\n(.*?)```", README_SECTION.read_text(), re.DOTALL)
    assert match is not None, "README_SECTION.md has no python example"
    return match.group(1)


def test_the_readme_example_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_render=_readme_example())
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=3)


def test_marker_and_fixtures_are_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*PLUGIN, "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.modelgates(scenario='happy', seed=0, speed=10, api_version='2026-10')*"])
    result = pytester.runpytest(*PLUGIN, "--fixtures")
    for fixture in ("modelgates_mock", "modelgates_server"):  # in whatever order pytest lists them
        result.stdout.fnmatch_lines([f"{fixture} -- *"])


def test_a_well_behaved_app_passes_every_assertion(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(app=APP)
    pytester.makepyfile(
        test_good="""
        import pytest
        from app import make_video

        @pytest.mark.modelgates(scenario="happy", seed=3)
        def test_good(modelgates_mock):
            job, video = make_video(modelgates_mock.client, modelgates_mock.api_key, sleep=modelgates_mock.advance)
            assert job["status"] == "completed" and video.headers["content-type"] == "video/mp4"
            assert [j.status for j in modelgates_mock.jobs()] == ["completed"]
            assert [e.operation for e in modelgates_mock.journal][0] == "submit"
            modelgates_mock.assert_polled_no_faster_than(30)
            modelgates_mock.assert_stopped_polling_after_terminal()
            modelgates_mock.assert_respected_retry_after()
            modelgates_mock.assert_no_resubmits(max_submits=1)
            modelgates_mock.assert_downloaded_each_output_once()
            modelgates_mock.assert_key_sent_only_to_api_host()
        """
    )
    pytester.runpytest(*PLUGIN).assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("call", "assertion", "expected"),
    [
        (
            "interval=1",
            "assert_polled_no_faster_than(5)",
            ["*polled faster than every 5 s:*", "*GET /api/v1/videos/* at t=+2.0s → 200: 1 s after GET*at t=+1.0s*"],
        ),
        (
            "stop_when_done=False",
            "assert_stopped_polling_after_terminal()",
            ["*kept polling after the job had finished:*", "*the job was already 'completed'*"],
        ),
        (
            "leak_to='https://cdn.example.com/v.mp4'",
            "assert_key_sent_only_to_api_host()",
            ["*sent the API key to a host other than testserver:*", "*GET https://cdn.example.com/v.mp4 at t=+*"],
        ),
    ],
)
def test_a_misbehaving_app_fails_with_a_clear_message(
    pytester: pytest.Pytester, call: str, assertion: str, expected: list[str]
) -> None:
    pytester.makepyfile(app=APP)
    pytester.makepyfile(
        test_bad=f"""
        from app import make_video

        def test_bad(modelgates_mock):
            make_video(modelgates_mock.client, modelgates_mock.api_key, sleep=modelgates_mock.advance, {call})
            modelgates_mock.{assertion}
        """
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(expected)


def test_submitting_the_same_job_twice_is_caught(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_twice="""
        def test_twice(modelgates_mock):
            body = {"model": "google/veo-3.1-lite", "prompt": "a cat", "duration": 4}
            for _ in range(2):
                modelgates_mock.client.post("/videos", json=body, headers=modelgates_mock.headers)
            modelgates_mock.assert_no_resubmits()
        """
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*resubmitted a job:*", "*POST /api/v1/videos at t=+0.0s → 202 resubmitted the body of POST /api/v1/videos*"]
    )


def test_resubmitting_after_a_500_is_caught(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(app=APP)
    pytester.makefile(
        ".toml",
        submit_500="""
        description = "The first submit answers 500 (the job may exist anyway)."
        [[steps]]
        status = "pending"
        seconds = 5
        [[steps]]
        status = "completed"
        [[faults]]
        on = "submit"
        status = 500
        times = 1
        """,
    )
    pytester.makepyfile(
        test_resubmit="""
        import pytest
        from app import make_video

        @pytest.mark.modelgates(scenario="submit_500.toml")
        def test_resubmit(modelgates_mock):
            make_video(modelgates_mock.client, modelgates_mock.api_key, sleep=modelgates_mock.advance,
                       resubmit_on_500=True)
            modelgates_mock.assert_no_resubmits()
        """
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*resubmitted a job:*", "*POST /api/v1/videos at t=+0.0s → 202 resubmitted the body of POST*→ 500*"]
    )


def test_ignoring_retry_after_is_caught(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_retry="""
        import pytest

        @pytest.mark.modelgates(scenario="rate-limited")
        def test_retry(modelgates_mock):
            body = {"model": "google/veo-3.1-lite", "prompt": "a cat"}
            first = modelgates_mock.client.post("/videos", json=body, headers=modelgates_mock.headers)
            assert first.status_code == 429 and first.headers["retry-after"] == "2"
            modelgates_mock.advance(0.5)
            early = modelgates_mock.client.post("/videos", json=body, headers=modelgates_mock.headers)
            assert early.status_code == 429 and early.headers["retry-after"] == "2"  # refused: too early
            modelgates_mock.assert_respected_retry_after()
        """
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*did not wait as long as Retry-After asked:*", "*0.5 s after*Retry-After: 2*"])


def test_errors_inside_the_mock_are_reraised_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_boom="""
        def test_boom(modelgates_mock):
            def boom(job, transition):
                raise RuntimeError("bug inside the mock")
            modelgates_mock.control.on_transition(boom)
            auth = modelgates_mock.headers
            job = modelgates_mock.client.post("/videos", json={"model": "google/veo-3.1-lite", "prompt": "x"},
                                              headers=auth).json()
            modelgates_mock.clock.advance(600)  # the bare clock: the poll moves the job on
            assert modelgates_mock.client.get(job["polling_url"], headers=auth).status_code == 500
        """
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_boom*", "*RuntimeError: bug inside the mock*"])


def test_live_server_for_apps_without_httpx(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_live="""
        import json
        import urllib.request

        import pytest

        def call(server, method, url, body=None):
            data = json.dumps(body).encode() if body is not None else None
            request = urllib.request.Request(url, data=data, method=method, headers=server.headers)
            if data:
                request.add_header("Content-Type", "application/json")
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, answer.read()

        @pytest.mark.modelgates(scenario="fast")
        @pytest.mark.parametrize("attempt", [1, 2])
        def test_urllib_app(modelgates_server, attempt):
            assert modelgates_server.base_url.startswith("http://127.0.0.1:")
            assert modelgates_server.exchanges() == []  # reset for each test
            status, body = call(modelgates_server, "POST", modelgates_server.base_url + "/videos",
                                {"model": "google/veo-3.1-lite", "prompt": "a cat", "duration": 4})
            job = json.loads(body)
            assert status == 202
            modelgates_server.advance(5)
            status, body = call(modelgates_server, "GET", job["polling_url"])
            assert json.loads(body)["status"] == "completed"
            status, video = call(modelgates_server, "GET", json.loads(body)["unsigned_urls"][0])
            assert video[4:8] == b"ftyp"
            modelgates_server.assert_stopped_polling_after_terminal()
            modelgates_server.assert_downloaded_each_output_once()
            modelgates_server.assert_no_resubmits(max_submits=1)
            assert [e.status for e in modelgates_server.journal] == [202, 200, 200]
        """
    )
    pytester.runpytest(*PLUGIN).assert_outcomes(passed=2)


def test_importing_the_plugin_imports_nothing_heavy() -> None:
    code = (
        "import sys, contracts.pytest_plugin\n"
        "heavy = {'mockserver', 'schemathesis', 'httpx', 'starlette', 'uvicorn', 'hypothesis', 'pydantic',\n"
        "         'jsonschema_rs', 'client', 'contracts.pytest_plugin.fixtures'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"


def test_live_clock_speed_and_scenario_files_beside_the_test(pytester: pytest.Pytester) -> None:
    sub = pytester.mkdir("sub")
    (sub / "two-polls.toml").write_text(
        'description = "Pending for two polls, then fails."\n'
        '[[steps]]\nstatus = "pending"\npolls = 2\n[[steps]]\nstatus = "failed"\nerror = "Nope"\n'
    )
    (sub / "test_live_clock.py").write_text(
        """
import httpx
import pytest

BODY = {"model": "google/veo-3.1-lite", "prompt": "a cat", "duration": 4}

def test_default_speed(modelgates_server):
    assert modelgates_server.speed == 10 and modelgates_server.clock.speed == 10

@pytest.mark.modelgates(speed=0)
def test_speed_zero_stands_still(modelgates_server):
    before = modelgates_server.now
    assert modelgates_server.now == before
    modelgates_server.advance(7)
    assert modelgates_server.now == before + 7

@pytest.mark.modelgates(scenario="two-polls.toml", speed=0)
def test_scenario_beside_the_test_file(modelgates_server):
    http = httpx.Client(transport=modelgates_server.transport, headers=modelgates_server.headers)
    job = http.post(modelgates_server.base_url + "/videos", json=BODY).json()
    statuses = [http.get(job["polling_url"]).json()["status"] for _ in range(3)]
    assert statuses == ["pending", "pending", "failed"]

@pytest.mark.modelgates(speed=-1)
def test_bad_speed(modelgates_server):
    pass
"""
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*speed must be a finite number >= 0 (got -1.0)*"])


def test_the_plugin_loads_in_an_app_with_its_own_contracts_and_client_packages(pytester: pytest.Pytester) -> None:
    # `python -m pytest` puts the app's folder first on sys.path: its own top-level `contracts`
    # and `client` shadow ours, and an entry point `contracts.plugin` used to die on import.
    pytester.mkpydir("contracts").joinpath("__init__.py").write_text("APP_OWN = True\n")
    pytester.mkpydir("client").joinpath("__init__.py").write_text("APP_OWN = True\n")
    pytester.makepyfile(
        test_app="""
        import contracts, client

        def test_both(modelgates_mock):
            assert contracts.APP_OWN and client.APP_OWN  # the app still gets its own packages
            answer = modelgates_mock.client.get("/videos/models")
            assert answer.status_code == 200
        """
    )
    result = pytester.runpytest_subprocess(*PLUGIN)
    result.assert_outcomes(passed=1)
