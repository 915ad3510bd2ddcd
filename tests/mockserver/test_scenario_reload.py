"""Scenario files given by path are read again when they change: no restart to try an edit."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from tests.mockserver.helpers import Api, assert_envelope

ONE_STEP = 'description = "v1"\n[[steps]]\nstatus = "pending"\nseconds = 1\n[[steps]]\nstatus = "completed"\n'
TWO_STEPS = 'description = "v2"\n[[steps]]\nstatus = "pending"\npolls = 2\n[[steps]]\nstatus = "failed"\n'


def _write(path: Path, text: str, bump: int) -> None:
    path.write_text(text)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + bump * 1_000_000_000))  # a distinct mtime


def _statuses(api: Api, job_id: str, polls: int) -> list[str]:
    return [api.poll(job_id).json()["status"] for _ in range(polls)]


def test_an_edited_file_applies_to_the_next_submit(make_api: Callable[..., Api], tmp_path: Path) -> None:
    flow = tmp_path / "flow.toml"
    _write(flow, ONE_STEP, 0)
    api = make_api(str(flow))
    first = api.job_id()
    _write(flow, TWO_STEPS, 1)
    second = api.job_id()
    api.clock.advance(5)
    assert _statuses(api, first, 1) == ["completed"]  # a job keeps the timeline it was given
    assert _statuses(api, second, 3) == ["pending", "pending", "failed"]


def test_a_broken_edit_keeps_the_last_good_version_and_reload_says_why(
    make_api: Callable[..., Api], tmp_path: Path
) -> None:
    flow = tmp_path / "flow.toml"
    _write(flow, ONE_STEP, 0)
    api = make_api(str(flow))
    admin = {"Authorization": f"Bearer {api.instance.admin_token}"}
    _write(flow, "[[steps]]\nstatus = 'nope'\n", 1)
    kept = api.job_id()
    api.clock.advance(5)
    assert _statuses(api, kept, 1) == ["completed"]
    refused = api.http.post("http://testserver/_mock/scenarios/reload", headers=admin)
    assert str(flow) in assert_envelope(refused, 400)["message"]
    _write(flow, TWO_STEPS, 2)
    answer = api.http.post("http://testserver/_mock/scenarios/reload", headers=admin)
    assert answer.json() == {"reloaded": [str(flow)], "files": [str(flow)]}
    assert _statuses(api, api.job_id(), 3) == ["pending", "pending", "failed"]
    again = api.http.post("http://testserver/_mock/scenarios/reload", headers=admin)
    assert again.json()["reloaded"] == []  # unchanged since


def test_reload_is_for_the_operator(api: Api) -> None:
    assert_envelope(api.http.post("http://testserver/_mock/scenarios/reload"), 403)
