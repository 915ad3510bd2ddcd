"""The control API under /_mock/: every route, auth and tenant scoping, validation, and the document."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import httpx
import jsonschema_rs
import pytest
import yaml

from mockserver import (
    OPERATOR,
    MockConfig,
    Scope,
    SyncASGITransport,
    SystemClock,
    VirtualClock,
    create_app,
    mock_controller,
    new_api_key,
)
from mockserver._resources import control_document_path
from tests.mockserver.helpers import SEED_000_BODY, assert_envelope

ADMIN = "mg-admin-" + "ab" * 16
KEY_A, KEY_B = new_api_key("a"), new_api_key("b")
SPEC: dict[str, Any] = yaml.safe_load(control_document_path().read_text(encoding="utf-8"))


def _schema_for(method: str, path: str, status: int) -> dict[str, Any] | None:
    """The JSON schema control.yaml gives for this answer (path templates matched), or None."""
    for template, item in SPEC["paths"].items():
        pattern = re.sub(r"\{[^}]+\}", "[^/]+", template)
        if re.fullmatch(pattern, path) and method.lower() in item:
            responses = item[method.lower()]["responses"]
            assert str(status) in responses, f"{method} {template} does not document {status}"
            response = responses[str(status)]
            if "$ref" in response:
                response = SPEC["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
            content = response.get("content", {}).get("application/json")
            return None if content is None else {**content["schema"], "components": SPEC["components"]}
    return None  # not a control route (an unknown path answers the usual 404 envelope)


class Control:
    """An in-process mock with three callers: the operator, key A and key B."""

    def __init__(self, **config: Any) -> None:
        self.clock = VirtualClock()
        self.app = create_app(MockConfig(admin_token=ADMIN, **config), clock=self.clock)
        self.control = self.app.controller
        self.instance = self.app.instance
        self.http = httpx.Client(transport=SyncASGITransport(self.app), base_url="http://testserver")
        self.checked = 0

    def call(self, method: str, path: str, token: str | None = ADMIN, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.http.request(method, path, headers=headers, **kwargs)
        schema = _schema_for(method, path.split("?")[0], response.status_code)
        if schema is not None:  # every JSON answer validates against control.yaml
            jsonschema_rs.validate(schema, response.json())
            self.checked += 1
        return response

    def ok(self, method: str, path: str, token: str | None = ADMIN, **kwargs: Any) -> Any:
        response = self.call(method, path, token, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def submit(self, key: str, scenario: str | None = None) -> str:
        headers = {"Authorization": f"Bearer {key}"} | ({"X-Mock-Scenario": scenario} if scenario else {})
        response = self.http.post("/api/v1/videos", json=SEED_000_BODY, headers=headers)
        assert response.status_code == 202, response.text
        return str(response.json()["id"])


@pytest.fixture
def ctl() -> Iterator[Control]:
    control = Control()
    yield control
    assert not control.control.errors, control.control.errors
    control.http.close()


def test_health_dashboard_and_document_are_public(ctl: Control) -> None:
    health = ctl.ok("GET", "/_mock/health", token=None)
    assert health == {"status": "ok", "now": ctl.clock.now(), "jobs": 0, "scenario": "happy", "clock": "virtual"}
    page = ctl.call("GET", "/_mock/", token=None)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<video" in page.text and "/_mock/jobs" in page.text
    # No external assets: nothing fetched from another origin, no fonts or imports.
    assert not re.search(r"""(src|href|action)\s*=\s*["']?(https?:)?//""", page.text)
    assert "@import" not in page.text and "url(" not in page.text
    document = ctl.call("GET", "/_mock/openapi.yaml", token=None)
    assert document.headers["content-type"].startswith("application/yaml")
    assert yaml.safe_load(document.text)["openapi"] == "3.1.0"


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Missing Authentication header"),
        ({"Authorization": "Basic abc"}, "Invalid Authentication header"),
        ({"Authorization": "Bearer mg-admin-wrong"}, "Invalid token"),
        ({"Authorization": "Bearer sk-mg-v1-short"}, "Invalid token"),
    ],
)
def test_every_protected_route_needs_a_valid_token(ctl: Control, headers: dict[str, str], message: str) -> None:
    for method, path in [
        ("GET", "/_mock/jobs"),
        ("GET", "/_mock/jobs/x"),
        ("POST", "/_mock/jobs/x/advance"),
        ("GET", "/_mock/jobs/x/video"),
        ("POST", "/_mock/clock/advance"),
        ("GET", f"/_mock/keys/{KEY_A}"),
        ("PATCH", f"/_mock/keys/{KEY_A}"),
        ("POST", "/_mock/reset"),
        ("GET", "/_mock/journal"),
        ("GET", "/_mock/webhooks"),
    ]:
        error = assert_envelope(ctl.http.request(method, path, headers=headers), 401)
        assert message in error["message"], (method, path)


def test_only_the_listed_keys_reach_the_control_api(ctl: Control) -> None:
    listed = Control(api_keys=frozenset({KEY_A}))
    assert listed.ok("GET", "/_mock/jobs", token=KEY_A) == {"jobs": []}
    assert_envelope(listed.call("GET", "/_mock/jobs", token=KEY_B), 401)


def test_the_operator_lists_filters_and_inspects_every_key(ctl: Control) -> None:
    a1, b1 = ctl.submit(KEY_A), ctl.submit(KEY_B, "fail")
    jobs = ctl.ok("GET", "/_mock/jobs")["jobs"]
    assert [job["id"] for job in jobs] == [b1, a1]  # newest first
    assert ctl.ok("GET", f"/_mock/jobs?key={KEY_A}")["jobs"][0]["id"] == a1
    assert len(ctl.ok("GET", "/_mock/jobs?limit=1")["jobs"]) == 1
    ctl.clock.advance(3600)
    assert [j["id"] for j in ctl.ok("GET", "/_mock/jobs?status=failed")["jobs"]] == [b1]
    job = ctl.ok("GET", f"/_mock/jobs/{a1}")
    assert job["status"] == "completed" and job["key"] == KEY_A and Decimal(job["cost"]) > 0
    assert job["api"]["status"] == "completed" and job["api"]["unsigned_urls"][0].endswith(f"/{a1}/content?index=0")
    assert job["polls"] == 0  # reading through the control API is not a poll
    assert [phase["status"] for phase in job["timeline"]][-1] == "completed"


def test_a_key_sees_and_steers_only_its_own_jobs(ctl: Control) -> None:
    mine, theirs = ctl.submit(KEY_A), ctl.submit(KEY_B)
    assert [job["id"] for job in ctl.ok("GET", "/_mock/jobs", token=KEY_A)["jobs"]] == [mine]
    assert ctl.ok("GET", f"/_mock/jobs?key={KEY_B}", token=KEY_A) == {"jobs": []}
    for method, path in [
        ("GET", f"/_mock/jobs/{theirs}"),
        ("POST", f"/_mock/jobs/{theirs}/advance"),
        ("GET", f"/_mock/jobs/{theirs}/video"),
    ]:
        error = assert_envelope(ctl.call(method, path, token=KEY_A), 404)  # as on the vendor API: no leak
        assert error["message"] == "Resource not found"
    assert ctl.ok("POST", f"/_mock/jobs/{mine}/advance", token=KEY_A)["status"] == "in_progress"
    assert ctl.control.job(OPERATOR, theirs).status.value == "pending"
    assert_envelope(ctl.call("GET", f"/_mock/keys/{KEY_B}", token=KEY_A), 403)
    assert_envelope(ctl.call("PATCH", f"/_mock/keys/{KEY_B}", token=KEY_A, json={"credits": "0"}), 403)
    assert_envelope(ctl.call("POST", "/_mock/reset", token=KEY_A), 403)
    assert_envelope(ctl.call("POST", "/_mock/clock/advance", token=KEY_A, json={"seconds": 5}), 403)
    assert ctl.control.job_count == 2


def test_the_journal_is_scoped_paged_and_never_records_control_traffic(ctl: Control) -> None:
    ctl.submit(KEY_A)
    ctl.submit(KEY_B)
    ctl.http.get("/api/v1/videos/models")
    for _ in range(3):
        ctl.ok("GET", "/_mock/jobs")
        ctl.call("GET", "/_mock/nothing-here")
    everything = ctl.ok("GET", "/_mock/journal")
    assert [e["path"] for e in everything["entries"]] == ["/api/v1/videos", "/api/v1/videos", "/api/v1/videos/models"]
    assert everything["next"] == 3 and everything["more"] is False
    assert [e["key"] for e in ctl.ok("GET", "/_mock/journal", token=KEY_A)["entries"]] == [KEY_A]
    first = ctl.ok("GET", "/_mock/journal?limit=2")
    assert [e["seq"] for e in first["entries"]] == [1, 2] and first["more"] is True
    assert [e["seq"] for e in ctl.ok("GET", f"/_mock/journal?since={first['next']}")["entries"]] == [3]
    assert [e["seq"] for e in ctl.ok("GET", "/_mock/journal?tail=true&limit=2")["entries"]] == [2, 3]


def test_advancing_jobs_and_the_clock(ctl: Control) -> None:
    job_id = ctl.submit(KEY_A)
    assert ctl.ok("POST", f"/_mock/jobs/{job_id}/advance")["status"] == "in_progress"
    failed = ctl.ok("POST", f"/_mock/jobs/{job_id}/advance", json={"error": "Content policy violation"})
    assert failed["status"] == "failed" and failed["error"] == "Content policy violation"
    error = assert_envelope(ctl.call("POST", f"/_mock/jobs/{job_id}/advance"), 400)
    assert "already failed" in error["message"]
    other = ctl.submit(KEY_A)
    before = ctl.clock.now()
    moved = ctl.ok("POST", "/_mock/clock/advance", json={"seconds": 3600})
    assert moved == {"now": before + 3600, "advanced": 3600.0}
    # The sweep moved the job on without anyone polling it.
    assert ctl.control.stored(other).status.terminal  # type: ignore[union-attr]
    assert ctl.ok("POST", f"/_mock/jobs/{ctl.submit(KEY_A)}/advance", json={"status": "completed"})["outputs"] == 1


def test_the_video_route_serves_completed_jobs_without_counting_a_download(ctl: Control) -> None:
    job_id = ctl.submit(KEY_A)
    error = assert_envelope(ctl.call("GET", f"/_mock/jobs/{job_id}/video"), 404)
    assert error["metadata"] == {"status": "pending"}
    ctl.clock.advance(3600)
    video = ctl.call("GET", f"/_mock/jobs/{job_id}/video", token=KEY_A)
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    assert video.content[4:8] == b"ftyp"
    assert ctl.ok("GET", f"/_mock/jobs/{job_id}")["downloads"] == 0
    download = ctl.call("GET", f"/api/v1/videos/{job_id}/content", token=KEY_A)
    assert download.status_code == 200 and video.content == download.content  # the player shows what downloads


def test_keys_read_and_set_scenario_and_credits(ctl: Control) -> None:
    key = ctl.ok("GET", f"/_mock/keys/{KEY_A}", token=KEY_A)
    assert key == {"key": KEY_A, "scenario": None, "credits": None, "spent": "0", "jobs": 0, "history": []}
    changed = ctl.ok("PATCH", f"/_mock/keys/{KEY_A}", json={"scenario": "fail", "credits": "0.20"})
    assert changed["scenario"] == "fail" and changed["credits"] == "0.20"
    ctl.submit(KEY_A)
    response = ctl.http.post("/api/v1/videos", json=SEED_000_BODY, headers={"Authorization": f"Bearer {KEY_A}"})
    assert_envelope(response, 402)
    after = ctl.ok("GET", f"/_mock/keys/{KEY_A}", token=KEY_A)
    assert after["credits"] == "0.0800000" and after["spent"] == "0.1200000" and after["jobs"] == 1
    assert [entry["kind"] for entry in after["history"]] == ["set", "charge"]
    ctl.clock.advance(3600)  # the "fail" scenario fails the job: its charge comes back
    assert ctl.ok("GET", f"/_mock/keys/{KEY_A}")["credits"] == "0.2000000"
    reset = ctl.ok("PATCH", f"/_mock/keys/{KEY_A}", token=KEY_A, json={"scenario": None, "credits": None})
    assert reset["scenario"] is None and reset["credits"] is None
    assert ctl.ok("PATCH", f"/_mock/keys/{KEY_A}", json={"credits": 2.5})["credits"] == "2.5"


def test_reset_forgets_everything(ctl: Control) -> None:
    ctl.submit(KEY_A)
    ctl.ok("PATCH", f"/_mock/keys/{KEY_A}", json={"credits": "5"})
    assert ctl.ok("POST", "/_mock/reset") == {"reset": True}
    assert ctl.ok("GET", "/_mock/jobs") == {"jobs": []} and ctl.ok("GET", "/_mock/journal")["entries"] == []
    assert ctl.ok("GET", f"/_mock/keys/{KEY_A}")["credits"] is None


BAD_INPUTS = [
    ("GET", "/_mock/jobs?limit=0", None, "limit"),
    ("GET", "/_mock/jobs?limit=5000", None, "limit"),
    ("GET", "/_mock/jobs?limit=abc", None, "limit"),
    ("GET", "/_mock/jobs?limit=1&limit=2", None, "limit"),
    ("GET", "/_mock/jobs?status=done", None, "status"),
    ("GET", "/_mock/journal?since=-1", None, "since"),
    ("GET", "/_mock/journal?limit=99999999999999999999", None, "limit"),
    ("GET", "/_mock/journal?tail=maybe", None, "tail"),
    ("POST", "/_mock/clock/advance", b"", "seconds"),
    ("POST", "/_mock/clock/advance", b"{", "body"),
    ("POST", "/_mock/clock/advance", b"[1]", "body"),
    ("POST", "/_mock/clock/advance", b'{"seconds": -5}', "seconds"),
    ("POST", "/_mock/clock/advance", b'{"seconds": 0}', "seconds"),
    ("POST", "/_mock/clock/advance", b'{"seconds": NaN}', "body"),
    ("POST", "/_mock/clock/advance", b'{"seconds": 1e309}', "seconds"),
    ("POST", "/_mock/clock/advance", b"[" * 60_000, "body"),  # deeper than the parser's stack: was a 500
    ("POST", "/_mock/clock/advance", b'{"seconds": 5, "x": "\\ud800"}', "body"),  # a lone surrogate is no text
    ("POST", "/_mock/clock/advance", b'{"seconds": "30"}', "seconds"),
    ("POST", "/_mock/clock/advance", b'{"seconds": true}', "seconds"),
    ("POST", "/_mock/clock/advance", b'{"seconds": 40000000}', "seconds"),
    ("POST", "/_mock/clock/advance", b'{"seconds": 5, "extra": 1}', "extra"),
    ("POST", "/_mock/clock/advance", b"\xff\xfe", "body"),
    ("PATCH", f"/_mock/keys/{KEY_A}", b'{"credits": -1}', "credits"),
    ("PATCH", f"/_mock/keys/{KEY_A}", b'{"credits": "abc"}', "credits"),
    ("PATCH", f"/_mock/keys/{KEY_A}", b'{"credits": "Infinity"}', "credits"),
    ("PATCH", f"/_mock/keys/{KEY_A}", b'{"credits": "NaN"}', "credits"),
    ("PATCH", f"/_mock/keys/{KEY_A}", b'{"credits": true}', "credits"),
    ("PATCH", f"/_mock/keys/{KEY_A}", b'{"credits": [1]}', "credits"),
    ("PATCH", f"/_mock/keys/{KEY_A}", b'{"scenario": 3}', "scenario"),
    ("PATCH", f"/_mock/keys/{KEY_A}", b'{"scenario": "no-such"}', "scenario"),
]


@pytest.mark.parametrize(("method", "path", "body", "param"), BAD_INPUTS)
def test_bad_input_is_a_400_envelope_naming_it(
    ctl: Control, method: str, path: str, body: bytes | None, param: str
) -> None:
    error = assert_envelope(ctl.call(method, path, content=body), 400)
    assert error["metadata"]["param"] == param


def test_bad_job_advance_bodies(ctl: Control) -> None:
    job_id = ctl.submit(KEY_A)
    for body, param in [
        ({"status": "done"}, "status"),
        ({"status": 1}, "status"),
        ({"error": None}, "error"),
        ({"status": "pending"}, "status"),
    ]:
        assert (
            assert_envelope(ctl.call("POST", f"/_mock/jobs/{job_id}/advance", json=body), 400)["metadata"]["param"]
            == param
        )


def test_unknown_keys_paths_and_methods_are_envelopes(ctl: Control) -> None:
    assert_envelope(ctl.call("GET", "/_mock/keys/not-a-key"), 404)
    assert_envelope(ctl.call("GET", "/_mock/jobs/nope"), 404)
    assert_envelope(ctl.http.get("/_mock/unknown", headers={"Authorization": f"Bearer {ADMIN}"}), 404)
    response = ctl.http.delete(f"/_mock/keys/{KEY_A}", headers={"Authorization": f"Bearer {ADMIN}"})
    assert_envelope(response, 405)
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"GET", "PATCH"}
    assert ctl.control.journal_entries() == []


def test_a_tenant_may_only_pick_known_scenarios_the_operator_may_load_files(ctl: Control, tmp_path: Any) -> None:
    flow = tmp_path / "flow.toml"
    flow.write_text('[[steps]]\nstatus = "pending"\npolls = 1\n[[steps]]\nstatus = "completed"\n')
    assert_envelope(ctl.call("PATCH", f"/_mock/keys/{KEY_A}", token=KEY_A, json={"scenario": str(flow)}), 400)
    assert ctl.ok("PATCH", f"/_mock/keys/{KEY_A}", json={"scenario": str(flow)})["scenario"] == str(flow)
    assert ctl.ok("PATCH", f"/_mock/keys/{KEY_A}", token=KEY_A, json={"scenario": "fast"})["scenario"] == "fast"


def test_every_control_answer_was_checked_against_the_document(ctl: Control) -> None:
    job_id = ctl.submit(KEY_A)
    for method, path in [
        ("GET", "/_mock/health"),
        ("GET", "/_mock/jobs"),
        ("GET", f"/_mock/jobs/{job_id}"),
        ("GET", f"/_mock/keys/{KEY_A}"),
        ("GET", "/_mock/journal"),
        ("GET", "/_mock/webhooks"),
    ]:
        ctl.ok(method, path)
    assert ctl.checked == 6
    with pytest.raises(ValueError):
        schema = _schema_for("GET", "/_mock/health", 200)
        assert schema is not None
        jsonschema_rs.validate(schema, {"status": "ok"})  # the check can fail


class _Delivery:
    def __init__(self, key: str) -> None:
        self.key = key

    def summary(self) -> dict[str, Any]:
        return {
            "id": "d1",
            "job_id": "j1",
            "key": self.key,
            "url": "https://hooks.example/x",
            "type": "video.completed",
            "idempotency_key": "i1",
            "state": "delivered",
            "attempts": [{"attempt": 1, "at": 1.0, "status": 200, "error": None}],
            "next_at": None,
        }


class _Deliveries:
    def __init__(self) -> None:
        self.asked: list[str | None] = []

    def deliveries(self, tenant: str | None) -> Sequence[_Delivery]:
        self.asked.append(tenant)
        return [d for d in (_Delivery(KEY_A), _Delivery(KEY_B)) if tenant in (None, d.key)]


def test_webhook_deliveries_come_from_the_source_in_the_callers_scope(ctl: Control) -> None:
    assert ctl.ok("GET", "/_mock/webhooks") == {"deliveries": []}  # no dispatcher wired: nothing
    source = _Deliveries()
    ctl.instance.webhooks.deliveries = source.deliveries  # type: ignore[method-assign,assignment]
    assert len(ctl.ok("GET", "/_mock/webhooks")["deliveries"]) == 2
    assert [d["key"] for d in ctl.ok("GET", "/_mock/webhooks", token=KEY_B)["deliveries"]] == [KEY_B]
    assert source.asked == [None, KEY_B]


def test_the_controller_in_python(ctl: Control) -> None:
    control = mock_controller(ctl.app)
    job_id = ctl.submit(KEY_A)
    assert control.job(Scope(KEY_A), job_id).polls == 0
    assert control.jobs(Scope(KEY_B)) == [] and control.jobs(OPERATOR, status="pending")[0].id == job_id
    assert control.update_key(OPERATOR, KEY_A, credits=Decimal("1"))["credits"] == "1"
    assert control.advance_clock(OPERATOR, 0) == ctl.clock.now()
    with pytest.raises(Exception, match="403"):
        control.reset(Scope(KEY_A))


def test_the_system_clock_skips_ahead_but_never_back() -> None:
    clock = SystemClock(speed=1)
    before = clock.now()
    assert clock.advance(300) >= before + 300
    assert clock.now() >= before + 300
    with pytest.raises(ValueError):
        clock.advance(-1)
    app = create_app(MockConfig(admin_token=ADMIN), clock=clock)
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://testserver") as http:
        assert http.get("/_mock/health").json()["clock"] == "system"
        moved = http.post("/_mock/clock/advance", json={"seconds": 60}, headers={"Authorization": f"Bearer {ADMIN}"})
        assert moved.status_code == 200 and moved.json()["now"] >= before + 360


def test_a_random_admin_token_is_made_per_app() -> None:
    first, second = (create_app(clock=VirtualClock()).instance.admin_token for _ in range(2))
    assert re.fullmatch(r"mg-admin-[0-9a-f]{32}", first) and first != second
