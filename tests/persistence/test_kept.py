"""What a restart keeps besides jobs and money: the secret of signed URLs, a key's `disabled`
flag, and the 2026-10 fields of each job's request (the `x-session-id` header's too)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from mockserver import OPERATOR, VirtualClock
from tests.mockserver.helpers import SEED_000_BODY
from tests.persistence.helpers import KEY_A, KEY_B, Mock, rows

NEW = "2026-10"


def _job_summary(mock: Mock, job_id: str) -> dict[str, Any]:
    admin = {"Authorization": f"Bearer {mock.instance.admin_token}"}
    response = mock.http.get(f"http://testserver/_mock/jobs/{job_id}", headers=admin)
    assert response.status_code == 200, response.text
    summary: dict[str, Any] = response.json()
    return summary


def test_a_signed_url_handed_out_before_a_restart_still_downloads_after_it(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    first = Mock(path, api_version=NEW, scenario="fast")
    job_id = first.job_id()
    first.clock.advance(10)
    body = first.poll(job_id).json()
    (url,) = body["urls"]
    stopped_at = first.clock.now()
    assert stopped_at < body["expires_at"]
    first.stop()

    restarted = Mock(path, clock=VirtualClock(stopped_at), api_version=NEW, scenario="fast")
    with httpx.Client(transport=restarted.http._transport) as anonymous:  # no key: the signature is the pass
        assert anonymous.get(url).status_code == 200  # was 403: a new secret per process
    assert restarted.poll(job_id).json()["urls"] == [url]  # the same URL as before the restart
    restarted.stop()


def test_a_disabled_key_is_still_disabled_after_a_restart_and_enabling_it_is_kept_too(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    first = Mock(path, api_version=NEW)
    first.control.update_key(OPERATOR, KEY_B, scenario="fail", disabled=True)
    assert first.submit(KEY_B).status_code == 403
    first.stop()

    restarted = Mock(path, api_version=NEW)
    assert restarted.submit(KEY_B).status_code == 403  # was 202: the flag lived in memory only
    assert restarted.control.key(OPERATOR, KEY_B)["disabled"] is True
    assert restarted.control.key(OPERATOR, KEY_B)["scenario"] == "fail"  # kept beside it
    assert restarted.submit(KEY_A).status_code == 202  # other keys unaffected
    restarted.control.update_key(OPERATOR, KEY_B, disabled=False)
    restarted.stop()

    again = Mock(path, api_version=NEW)
    assert again.submit(KEY_B).status_code == 202
    assert "disabled" not in again.control.key(OPERATOR, KEY_B)
    again.stop()
    assert rows(path, "SELECT disabled FROM tenants") == [(0,)]


def test_a_disabled_key_without_a_scenario_setting_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    first = Mock(path)  # 2026-06: a disabled key is a 401 there
    first.control.update_key(OPERATOR, KEY_A, disabled=True)
    first.stop()
    restarted = Mock(path)
    assert restarted.submit(KEY_A).status_code == 401
    assert restarted.control.key(OPERATOR, KEY_A)["scenario"] is None
    restarted.stop()


def test_the_2026_10_request_fields_and_the_session_header_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    first = Mock(path, api_version=NEW, scenario="fast")
    trace = {"trace_id": "t-1", "span_name": "render", "extra_key": [1, 2]}
    from_header = first.http.post(
        "/videos",
        json={**SEED_000_BODY, "user": "end-user-7", "trace": trace},
        headers={"Authorization": f"Bearer {KEY_A}", "x-session-id": "session-from-header"},
    ).json()["id"]
    both = first.http.post(
        "/videos",
        json={**SEED_000_BODY, "session_id": "session-in-body"},
        headers={"Authorization": f"Bearer {KEY_A}", "x-session-id": "loses-to-the-body"},
    ).json()["id"]
    first.clock.advance(10)
    follow_up = first.job_id(previous_job_id=from_header, prompt="Now extend it")
    before = {job_id: _job_summary(first, job_id) for job_id in (from_header, both, follow_up)}
    requests = {job_id: first.control.stored(job_id).request for job_id in before}  # type: ignore[union-attr]
    assert before[from_header]["session_id"] == "session-from-header"  # was None: the header was dropped
    assert before[both]["session_id"] == "session-in-body"
    first.stop()

    restarted = Mock(path, clock=VirtualClock(first.clock.now()), api_version=NEW, scenario="fast")
    for job_id, summary in before.items():
        assert _job_summary(restarted, job_id) == summary
        assert restarted.control.stored(job_id).request == requests[job_id]  # type: ignore[union-attr]
    assert requests[from_header]["user"] == "end-user-7" and requests[from_header]["trace"] == trace
    assert requests[follow_up]["previous_job_id"] == from_header
    restarted.stop()
