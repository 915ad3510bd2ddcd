"""Configuration precedence, the missing key, closing, and where the API key may go."""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx
import pytest

from client import DEFAULT_BASE_URL, MissingAPIKeyError, ModelGates
from client._config import DEFAULT_TIMEOUT, resolve_config
from client._core import Core
from client.models import Job
from tests.client.fakes import (
    BASE,
    JOB_ID,
    KEY,
    FakeAPI,
    completed_body,
    job_body,
    video_reply,
)

CLIENT_DIR = Path(__file__).resolve().parents[2] / "client"


@pytest.mark.parametrize(
    ("kwargs", "env", "key", "base_url"),
    [
        pytest.param({}, {}, None, DEFAULT_BASE_URL, id="defaults"),
        pytest.param(
            {},
            {"MODELGATES_API_KEY": "env-key", "MODELGATES_BASE_URL": "http://env/api/v1"},
            "env-key",
            "http://env/api/v1",
            id="env",
        ),
        pytest.param(
            {"api_key": "arg-key", "base_url": "http://arg/api/v1/"},
            {"MODELGATES_API_KEY": "env-key", "MODELGATES_BASE_URL": "http://env/api/v1"},
            "arg-key",
            "http://arg/api/v1",
            id="argument-beats-env",
        ),
        pytest.param({}, {"MODELGATES_API_KEY": ""}, None, DEFAULT_BASE_URL, id="empty-env-key"),
        pytest.param({"api_key": ""}, {"MODELGATES_API_KEY": "k"}, None, DEFAULT_BASE_URL, id="empty-arg"),
    ],
)
def test_precedence(kwargs: dict[str, str], env: dict[str, str], key: str | None, base_url: str) -> None:
    config = resolve_config(**kwargs, env=env)  # type: ignore[arg-type]
    assert (config.api_key, config.base_url) == (key, base_url)


def test_the_client_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELGATES_API_KEY", KEY)
    monkeypatch.setenv("MODELGATES_BASE_URL", BASE)
    fake = FakeAPI().on("GET", f"/api/v1/videos/{JOB_ID}", httpx.Response(200, json=job_body()))
    with ModelGates(transport=fake.transport()) as mg:
        assert mg.base_url == BASE
        mg.get(JOB_ID)
    assert fake.requests[0].headers["Authorization"] == f"Bearer {KEY}"


def test_environment_is_read_in_one_place() -> None:
    readers = {path.name for path in CLIENT_DIR.glob("*.py") if re.search(r"os\.environ|getenv", path.read_text())}
    assert readers == {"_config.py"}


def test_timeout_and_retries() -> None:
    assert resolve_config(env={}).timeout == DEFAULT_TIMEOUT
    assert resolve_config(timeout=5, env={}).timeout == httpx.Timeout(5)
    assert resolve_config(max_retries=0, env={}).max_retries == 0
    with pytest.raises(ValueError, match="max_retries"):
        resolve_config(max_retries=-1, env={})


def test_http_client_and_transport_are_exclusive() -> None:
    with pytest.raises(ValueError, match="not both"):
        ModelGates(api_key=KEY, http_client=httpx.Client(), transport=FakeAPI().transport())


@pytest.mark.parametrize(
    "call",
    [
        lambda mg: mg.submit(model="m", prompt="p"),
        lambda mg: mg.get(JOB_ID),
        lambda mg: mg.download(JOB_ID, to=io.BytesIO()),
    ],
)
def test_missing_key_fails_before_any_request(monkeypatch: pytest.MonkeyPatch, call: object) -> None:
    monkeypatch.delenv("MODELGATES_API_KEY", raising=False)
    fake = FakeAPI()
    with (
        ModelGates(base_url=BASE, transport=fake.transport()) as mg,
        pytest.raises(MissingAPIKeyError),
    ):
        call(mg)  # type: ignore[operator]
    assert fake.requests == []


def test_the_public_catalog_needs_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MODELGATES_API_KEY", raising=False)
    fake = FakeAPI().on("GET", "/api/v1/videos/models", httpx.Response(200, json={"data": []}))
    with ModelGates(base_url=BASE, transport=fake.transport()) as mg:
        assert mg.list_models() == []
    assert "Authorization" not in fake.requests[0].headers


class RecordingTransport(httpx.MockTransport):
    closed = False

    def close(self) -> None:
        self.closed = True


def test_context_manager_closes_the_client_it_owns() -> None:
    transport = RecordingTransport(lambda request: httpx.Response(200))
    with ModelGates(api_key=KEY, transport=transport):
        pass
    assert transport.closed


def test_context_manager_leaves_a_callers_http_client_open() -> None:
    http = httpx.Client(transport=FakeAPI().transport())
    with ModelGates(api_key=KEY, http_client=http):
        pass
    assert not http.is_closed
    http.close()


@pytest.mark.parametrize(
    ("url", "is_api"),
    [
        pytest.param(f"{BASE}/videos/x", True, id="same-origin"),
        pytest.param("https://api.example.test:443/api/v1/videos/x", True, id="explicit-port"),
        pytest.param("https://API.example.test/other/path", True, id="host-case-other-path"),
        pytest.param("http://api.example.test/api/v1/videos/x", False, id="http-downgrade"),
        pytest.param("https://api.example.test:8443/api/v1", False, id="other-port"),
        pytest.param("https://cdn.example.test/v.mp4", False, id="other-host"),
        pytest.param("https://api.example.test.evil.test/v.mp4", False, id="suffix-host"),
        pytest.param("https://api.example.test@evil.test/v.mp4", False, id="userinfo-trick"),
    ],
)
def test_key_host_rule(url: str, is_api: bool) -> None:
    core = Core(resolve_config(api_key=KEY, base_url=BASE, env={}))
    assert core.is_api_url(url) is is_api
    assert ("Authorization" in core.headers_for(url)) is is_api


def test_unsigned_url_on_another_host_is_fetched_without_the_key() -> None:
    cdn = "https://cdn.example.test/signed/v.mp4?sig=1"
    job = Job.model_validate(completed_body(unsigned_urls=[cdn]))
    fake = FakeAPI().on("GET", "/signed/v.mp4", video_reply())
    with ModelGates(api_key=KEY, base_url=BASE, transport=fake.transport()) as mg:
        mg.download(job, to=io.BytesIO())
    assert str(fake.requests[0].url) == cdn
    assert "Authorization" not in fake.requests[0].headers


def test_polling_url_on_another_host_is_polled_without_the_key() -> None:
    job = Job.model_validate(job_body(polling_url="https://elsewhere.test/videos/x"))
    fake = FakeAPI().on("GET", "/videos/x", httpx.Response(200, json=completed_body()))
    with ModelGates(api_key=KEY, base_url=BASE, transport=fake.transport()) as mg:
        mg.get(job)
    assert "Authorization" not in fake.requests[0].headers


def test_a_redirect_away_from_the_api_drops_the_key() -> None:
    cdn = "https://cdn.example.test/v.mp4"
    fake = (
        FakeAPI()
        .on(
            "GET",
            f"/api/v1/videos/{JOB_ID}/content",
            httpx.Response(302, headers={"Location": cdn}),
        )
        .on("GET", "/v.mp4", video_reply())
    )
    with ModelGates(api_key=KEY, base_url=BASE, transport=fake.transport()) as mg:
        mg.download(JOB_ID, to=io.BytesIO())
    api, redirected = fake.requests
    assert api.headers["Authorization"] == f"Bearer {KEY}"
    assert str(redirected.url) == cdn and "Authorization" not in redirected.headers


def test_unsigned_url_on_the_api_host_carries_the_key() -> None:
    fake = FakeAPI().on("GET", f"/api/v1/videos/{JOB_ID}/content", video_reply())
    with ModelGates(api_key=KEY, base_url=BASE, transport=fake.transport()) as mg:
        mg.download(Job.model_validate(completed_body()), to=io.BytesIO())
    assert fake.requests[0].headers["Authorization"] == f"Bearer {KEY}"
