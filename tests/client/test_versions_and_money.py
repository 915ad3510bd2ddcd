"""The built-in money faults, each with the bug it lets an app find, and the reference client
against both API versions: a naive client pays or crashes; the reference client does not."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

import mockserver
from client import (
    APITimeoutError,
    AuthenticationError,
    ConflictError,
    GoneError,
    InternalServerError,
    ModelGates,
    NoOutputsError,
    PermissionDeniedError,
)
from mockserver import OPERATOR

BASE = "http://testserver/api/v1"
SEED_000: dict[str, Any] = {
    "model": "google/veo-3.1-lite",
    "prompt": "A glass greenhouse at sunrise, slow dolly-in",
    "duration": 4,
    "resolution": "720p",
    "aspect_ratio": "16:9",
}
KEY = mockserver.new_api_key(1)


class Mock:
    """One in-process mock of a version and scenario, the clients an app would use, and its ledger."""

    def __init__(self, scenario: str, version: str = "2026-10") -> None:
        self.clock = mockserver.VirtualClock()
        config = mockserver.MockConfig(scenario=scenario, api_version=version)
        self.app = mockserver.create_app(config, clock=self.clock)
        self.control = mockserver.mock_controller(self.app)
        self.transport = mockserver.SyncASGITransport(self.app)

    def naive(self, timeout: float = 5.0) -> httpx.Client:
        """What many apps write: httpx with the key, a 5 s timeout (the Python SDK's default)."""
        headers = {"Authorization": f"Bearer {KEY}"}
        return httpx.Client(transport=self.transport, base_url=BASE, headers=headers, timeout=timeout)

    def client(self, **kwargs: Any) -> ModelGates:
        return ModelGates(
            api_key=KEY,
            base_url=BASE,
            transport=self.transport,
            sleep=self.clock.advance,
            clock=self.clock.now,
            rng=random.Random(0),
            **kwargs,
        )

    def charges(self) -> list[dict[str, Any]]:
        return [e for e in self.control.key(OPERATOR, KEY)["history"] if e["kind"] == "charge"]

    def refunds(self) -> list[dict[str, Any]]:
        return [e for e in self.control.key(OPERATOR, KEY)["history"] if e["kind"] == "refund"]


def naive_submit(http: httpx.Client, attempts: int = 3) -> httpx.Response:
    """Retry on any 5xx or timeout, as the vendor's SDKs do by default."""
    for _ in range(attempts):
        try:
            response = http.post("/videos", json=SEED_000)
        except httpx.TimeoutException:
            continue
        if response.status_code < 500:
            return response
    raise AssertionError("gave up")


def test_ghost_submit_makes_a_retrying_client_pay_twice_and_the_reference_client_once() -> None:
    mock = Mock("ghost-submit")
    with mock.naive() as http:
        assert naive_submit(http).status_code == 202
    assert len(mock.charges()) == 2  # the 500 was billed: the retry paid again
    assert len(mock.control.jobs(OPERATOR, key=KEY)) == 2

    fresh = Mock("ghost-submit")
    with fresh.client() as mg, pytest.raises(InternalServerError):
        mg.submit(**SEED_000)
    assert len(fresh.charges()) == 1  # one job, one charge, and a clear error


def test_slow_submit_times_a_5s_client_out_with_the_job_already_billed() -> None:
    mock = Mock("slow-submit")
    with mock.naive(timeout=5.0) as http:
        with pytest.raises(httpx.ReadTimeout):
            http.post("/videos", json=SEED_000)
        assert len(mock.charges()) == 1
        with pytest.raises(AssertionError):
            naive_submit(http, attempts=4)  # four more timeouts, four more billed jobs
    assert len(mock.charges()) == 5
    with mock.naive(timeout=10.0) as patient:
        assert patient.post("/videos", json=SEED_000).status_code == 202  # 7 s is within 10 s

    fresh = Mock("slow-submit")
    with fresh.client(timeout=5.0) as mg, pytest.raises(APITimeoutError):
        mg.submit(**SEED_000)
    assert len(fresh.charges()) == 1  # never resubmitted after a timeout


def test_rate_limited_poll_kills_a_naive_poll_loop_and_the_client_waits_it_out(tmp_path: Path) -> None:
    mock = Mock("rate-limited-poll")
    with mock.naive() as http:
        job_id = http.post("/videos", json=SEED_000).json()["id"]
        statuses = [http.get(f"/videos/{job_id}").status_code for _ in range(2)]
    assert statuses == [200, 429]
    with mock.client() as mg:
        job = mg.generate(**SEED_000, to=tmp_path / "out.mp4")
    assert job.is_completed and (tmp_path / "out.mp4").stat().st_size > 0


@pytest.mark.parametrize(("version", "error"), [("2026-10", AuthenticationError), ("2026-06", AuthenticationError)])
def test_key_revoked_mid_job_and_a_reauth_resubmit_pays_twice(version: str, error: type[Exception]) -> None:
    mock = Mock("key-revoked", version)
    with mock.naive() as http:
        job_id = http.post("/videos", json=SEED_000).json()["id"]
        codes = [http.get(f"/videos/{job_id}").status_code for _ in range(3)]
        assert codes == [200, 200, 401]
        http.post("/videos", json=SEED_000)  # "re-authenticate and resubmit"
    assert len(mock.charges()) == 2
    with Mock("key-revoked", version).client() as mg:
        job = mg.submit(**SEED_000)
        with pytest.raises(error):
            mg.wait(job, interval=1)


def test_a_key_disabled_mid_job_is_a_typed_403_in_2026_10() -> None:
    mock = Mock("happy")
    with mock.client() as mg:
        job = mg.submit(**SEED_000)
        mock.control.update_key(OPERATOR, KEY, disabled=True)
        with pytest.raises(PermissionDeniedError):
            mg.get(job)


@pytest.mark.parametrize("version", ["2026-10", "2026-06"])
def test_completed_empty_crashes_a_naive_index_and_is_a_clear_error_in_the_client(version: str, tmp_path: Path) -> None:
    mock = Mock("completed-empty", version)
    with mock.naive() as http:
        job_id = http.post("/videos", json=SEED_000).json()["id"]
        mock.clock.advance(600)
        body = http.get(f"/videos/{job_id}").json()
    assert body["status"] == "completed" and body["unsigned_urls"] == []
    with pytest.raises(IndexError):
        _ = body["unsigned_urls"][0]
    with mock.client() as mg, pytest.raises(NoOutputsError):
        mg.generate(**SEED_000, to=tmp_path / "out.mp4")


def test_outputs_expire_a_later_download_is_410_on_both_url_kinds(tmp_path: Path) -> None:
    mock = Mock("outputs-expire")
    with mock.client() as mg:
        job = mg.wait(mg.submit(**SEED_000), interval=1)
        assert job.urls and job.expires_at is not None and job.unsigned_urls
        mock.clock.advance(job.expires_at - mock.clock.now())
        with pytest.raises(GoneError):
            mg.download(job, to=tmp_path / "late.mp4")
        with pytest.raises(GoneError):
            mg.download(job.model_copy(update={"urls": None}), to=tmp_path / "late.mp4")


def test_charge_on_fail_keeps_the_charge_of_a_failed_job() -> None:
    mock = Mock("charge-on-fail")
    with mock.naive() as http:
        job_id = http.post("/videos", json=SEED_000).json()["id"]
        mock.clock.advance(600)
        assert http.get(f"/videos/{job_id}").json()["status"] == "failed"
    assert len(mock.charges()) == 1 and mock.refunds() == []
    assert Decimal(mock.control.key(OPERATOR, KEY)["spent"]) > 0
    happy = Mock("fail")  # the default policy refunds
    with happy.naive() as http:
        http.post("/videos", json=SEED_000)
        happy.clock.advance(3600)
    assert len(happy.refunds()) == 1


def test_the_client_downloads_signed_urls_without_sending_the_key(tmp_path: Path) -> None:
    mock = Mock("happy")
    sent: list[httpx.Request] = []

    class Spy(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            sent.append(request)
            return mock.transport.handle_request(request)

    mg = ModelGates(api_key=KEY, base_url=BASE, transport=Spy(), sleep=mock.clock.advance, clock=mock.clock.now)
    with mg:
        job = mg.submit(**SEED_000)
        with pytest.raises(ConflictError):  # 2026-10: not ready is a 409
            mg.download(job.id, to=tmp_path / "early.mp4")
        job = mg.generate(**SEED_000, to=tmp_path / "out.mp4")
    download = sent[-1]
    assert "sig=" in str(download.url) and "authorization" not in download.headers
    assert job.id.startswith("gen-vid-") and (tmp_path / "out.mp4").stat().st_size > 0


def test_the_client_still_works_against_2026_06(tmp_path: Path) -> None:
    mock = Mock("happy", "2026-06")
    with mock.client() as mg:
        job = mg.generate(**SEED_000, to=tmp_path / "out.mp4")
    assert job.urls is None and job.unsigned_urls and (tmp_path / "out.mp4").stat().st_size > 0


def test_a_relative_polling_url_is_resolved(tmp_path: Path) -> None:
    scenario = tmp_path / "relative.toml"
    scenario.write_text(
        'relative_polling_url = true\nbyok = true\nextra_fields = true\n[[steps]]\nstatus = "pending"\nseconds = 5\n'
        '[[steps]]\nstatus = "completed"\n'
    )
    mock = Mock(str(scenario))
    with mock.client() as mg:
        job = mg.submit(**SEED_000)
        assert job.polling_url == f"/api/v1/videos/{job.id}"
        done = mg.wait(job, interval=5)
    assert done.is_completed and done.usage is not None and done.usage.cost is None and done.usage.is_byok
    assert done.model_extra is not None and "x_mock_unknown" in done.model_extra
