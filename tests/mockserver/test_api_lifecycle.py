from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from mockserver import MockConfig, Scope, VirtualClock, create_app, mock_controller, new_api_key
from tests.mockserver.helpers import BASE, SEED_000_BODY, Api, assert_envelope


def test_submit_answers_exactly_id_polling_url_status(api: Api) -> None:
    response = api.submit()
    assert response.status_code == 202
    body = response.json()
    assert list(body) == ["id", "polling_url", "status"]
    assert re.fullmatch(r"[A-Za-z0-9]{20}", body["id"])
    assert body["polling_url"] == f"{BASE}/videos/{body['id']}"
    assert body["status"] == "pending"


def test_happy_job_walks_pending_in_progress_completed_and_reports_cost(api: Api) -> None:
    job_id = api.job_id()
    seen = []
    for _ in range(40):  # 40 polls x 5 s of virtual time = 200 s, more than happy's 2 min
        body = api.poll(job_id).json()
        seen.append(body["status"])
        api.clock.advance(5)
    assert seen[0] == "pending" and "in_progress" in seen and seen[-1] == "completed"
    assert list(body) == ["id", "generation_id", "polling_url", "status", "unsigned_urls", "usage"]
    assert re.fullmatch(r"gen-vid-\d{10}-[A-Za-z0-9]{20}", body["generation_id"])
    assert body["unsigned_urls"] == [f"{BASE}/videos/{job_id}/content?index=0"]
    # veo-3.1-lite, 4 s, 720p, no audio: 0.03/s x 4 s
    assert body["usage"] == {"cost": 0.12, "is_byok": False}


@pytest.mark.parametrize(
    ("scenario", "status", "error"),
    [
        ("slow-then-fail", "failed", "Provider returned error"),
        ("fail", "failed", "Content policy violation"),
        ("cancel", "cancelled", "Job was cancelled"),
        ("expire", "expired", "Job exceeded maximum time to live"),
    ],
)
def test_unhappy_endings_answer_200_with_error_and_no_urls(
    make_api: Callable[..., Api], scenario: str, status: str, error: str
) -> None:
    api = make_api(scenario)
    job_id = api.job_id()
    api.clock.advance(3600)
    response = api.poll(job_id)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == status and body["error"] == error
    assert "unsigned_urls" not in body and "usage" not in body
    assert None not in body.values()


def test_slow_then_fail_is_long_in_progress_first(make_api: Callable[..., Api]) -> None:
    api = make_api("slow-then-fail")
    job_id = api.job_id()
    statuses = []
    for _ in range(8):
        statuses.append(api.poll(job_id).json()["status"])
        api.clock.advance(60)
    assert statuses[0] == "pending" and statuses[1:5] == ["in_progress"] * 4 and statuses[-1] == "failed"


def test_header_picks_the_jobs_scenario_and_the_job_keeps_it(api: Api) -> None:
    job_id = api.job_id(None, **{"X-Mock-Scenario": "fail"})
    other = api.job_id()
    api.clock.advance(3600)
    assert api.poll(job_id).json()["status"] == "failed"
    assert api.poll(other).json()["status"] == "completed"


def test_per_key_scenario_applies_to_that_key_only(api: Api) -> None:
    api.control.set_scenario(api.key, "cancel")
    job_id = api.job_id()
    api.clock.advance(3600)
    assert api.poll(job_id).json()["status"] == "cancelled"


def test_same_seed_same_ids_and_timeline(make_api: Callable[..., Api]) -> None:
    def run(seed: int) -> list[tuple[str, str]]:
        api = make_api("happy", seed)
        job_id = api.job_id()
        out = []
        for _ in range(30):
            out.append((job_id, api.poll(job_id).json()["status"]))
            api.clock.advance(4)
        return out

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_observed_lifecycle_pending_for_four_polls(make_api: Callable[..., Api]) -> None:
    api = make_api("observed")
    job_id = api.job_id()
    assert [api.poll(job_id).json()["status"] for _ in range(5)] == ["pending"] * 4 + ["completed"]


def test_a_30_minute_poll_loop_runs_on_virtual_time(make_api: Callable[..., Api]) -> None:
    api = make_api("expire")
    job_id = api.job_id()
    polls = 0
    while api.poll(job_id).json()["status"] not in ("completed", "failed", "cancelled", "expired"):
        api.clock.advance(30)
        polls += 1
        assert polls <= 60, "the job never ended"
    assert api.poll(job_id).json()["status"] == "expired" and polls > 10


def test_another_keys_job_is_404_and_unchanged(api: Api) -> None:
    job_id = api.job_id()
    other = {"Authorization": f"Bearer {new_api_key('someone else')}"}
    for path in (f"/videos/{job_id}", f"/videos/{job_id}/content"):
        assert_envelope(api.http.get(path, headers=other), 404)
    assert api.control.stored(job_id).polls == 0  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Missing Authentication header"),
        ({"Authorization": "Bearer nope"}, "Invalid API key"),
        ({"Authorization": "Basic abc"}, "Invalid Authentication header"),
        ({"Authorization": "Bearer "}, "Invalid"),
    ],
)
def test_auth_failures_are_401(headers: dict[str, str], message: str) -> None:
    app = create_app(MockConfig(), clock=VirtualClock())
    from mockserver import SyncASGITransport

    with httpx.Client(transport=SyncASGITransport(app), base_url=BASE, headers=headers) as http:
        for response in (
            http.post("/videos", json=SEED_000_BODY),
            http.get("/videos/abc"),
            http.get("/videos/abc/content"),
        ):
            assert assert_envelope(response, 401)["message"].startswith(message)
    assert mock_controller(app).job_count == 0


def test_configured_key_list_refuses_other_valid_looking_keys() -> None:
    allowed = new_api_key("allowed")
    app = create_app(MockConfig(api_keys=frozenset({allowed})), clock=VirtualClock())
    from mockserver import SyncASGITransport

    with httpx.Client(transport=SyncASGITransport(app), base_url=BASE) as http:
        good = http.post("/videos", json=SEED_000_BODY, headers={"Authorization": f"Bearer {allowed}"})
        bad = http.post("/videos", json=SEED_000_BODY, headers={"Authorization": f"Bearer {new_api_key('x')}"})
    assert good.status_code == 202
    assert_envelope(bad, 401)


def test_models_is_public_and_lists_the_catalog(api: Api) -> None:
    anonymous = api.http.get("/videos/models", headers={"Authorization": ""})
    keyed = api.http.get("/videos/models")
    assert anonymous.status_code == keyed.status_code == 200
    assert len(keyed.json()["data"]) == 13


def test_force_and_inspect_drive_a_job_without_time(api: Api) -> None:
    job_id = api.job_id()
    api.control.advance_job(Scope(api.key), job_id)
    assert api.poll(job_id).json()["status"] == "in_progress"
    api.control.advance_job(Scope(api.key), job_id, error="Provider exploded", status=None)
    body = api.poll(job_id).json()
    assert body["status"] == "failed" and body["error"] == "Provider exploded"


@pytest.mark.anyio
async def test_async_clients_get_the_same_answers() -> None:
    app = create_app(MockConfig(scenario="fast"), clock=(clock := VirtualClock()))
    headers = {"Authorization": f"Bearer {new_api_key(1)}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, headers=headers) as http:
        job = (await http.post("/videos", json=SEED_000_BODY)).json()
        clock.advance(10)
        assert (await http.get(job["polling_url"])).json()["status"] == "completed"


def test_a_job_made_under_a_scenario_file_keeps_working(tmp_path: Path) -> None:
    # Regression: the service keyed file scenarios by path while jobs named them by stem.
    path = tmp_path / "two-polls.toml"
    path.write_text('[[steps]]\nstatus = "pending"\npolls = 2\n[[steps]]\nstatus = "failed"\nerror = "Nope"\n')
    app = create_app(MockConfig(scenario=str(path)), clock=VirtualClock())
    from mockserver import SyncASGITransport

    headers = {"Authorization": f"Bearer {new_api_key(9)}"}
    with httpx.Client(transport=SyncASGITransport(app), base_url=BASE, headers=headers) as http:
        job_id = http.post("/videos", json=SEED_000_BODY).json()["id"]
        answers = [http.get(f"/videos/{job_id}").json() for _ in range(3)]
    assert [a["status"] for a in answers] == ["pending", "pending", "failed"] and answers[-1]["error"] == "Nope"
    assert not mock_controller(app).errors
