"""The 2026-10 API beside the seeds' 2026-06: what each version accepts and answers."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mockserver import OPERATOR, MockConfig, mock_controller
from mockserver.domain.versions import VERSION_ENV, VERSIONS
from tests.mockserver.helpers import SEED_000_BODY, Api, assert_envelope

NEW = "2026-10"
OLD = "2026-06"
FRAME = {"type": "image_url", "image_url": {"url": "https://example.com/first.png"}, "frame_type": "first_frame"}


@pytest.fixture
def new(make_api: Callable[..., Api]) -> Api:
    return make_api(api_version=NEW)


@pytest.fixture
def old(make_api: Callable[..., Api]) -> Api:
    return make_api(api_version=OLD)


def _body(**changes: Any) -> dict[str, Any]:
    body = {**SEED_000_BODY, **changes}
    return {name: value for name, value in body.items() if value is not None}


def test_the_default_is_the_newest_version_and_the_environment_can_pin_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(VERSION_ENV, raising=False)
    assert MockConfig().api_version == NEW
    monkeypatch.setenv(VERSION_ENV, OLD)
    assert MockConfig().api_version == OLD
    with pytest.raises(ValueError, match="unknown API version"):
        MockConfig(api_version="2025-01")


def test_each_version_serves_and_validates_with_its_own_document(old: Api, new: Api) -> None:
    old_text = old.http.get("http://testserver/openapi.yaml").text
    new_text = new.http.get("http://testserver/openapi.yaml").text
    assert old_text != new_text
    assert "previous_job_id" in new_text and "previous_job_id" not in old_text
    # A field only 2026-10 knows: 202 there, the seeds' 400 (unknown field) in 2026-06.
    assert new.submit(_body(user="end-user-1")).status_code == 202
    assert assert_envelope(old.submit(_body(user="end-user-1")), 400)["metadata"]["param"] == "user"


def test_2026_06_answers_as_the_seeds_did(old: Api) -> None:
    job_id = old.job_id()
    assert re.fullmatch(r"[A-Za-z0-9]{20}", job_id)
    assert assert_envelope(old.http.get(f"/videos/{job_id}/content"), 404)["metadata"] == {"status": "pending"}
    old.clock.advance(3600)
    body = old.poll(job_id).json()
    assert "urls" not in body and "expires_at" not in body
    old.clock.advance(30 * 86_400)  # seed-era outputs never expire
    assert old.http.get(f"/videos/{job_id}/content").status_code == 200
    assert old.instance.config.max_body_bytes == VERSIONS[OLD].max_body_bytes


def test_2026_10_ids_409_before_completion_and_signed_urls_without_the_key(new: Api) -> None:
    job_id = new.job_id()
    assert re.fullmatch(rf"gen-vid-{int(new.clock.now())}-[A-Za-z0-9]{{20}}", job_id)
    assert assert_envelope(new.http.get(f"/videos/{job_id}/content"), 409)["metadata"] == {"status": "pending"}
    new.clock.advance(600)
    body = new.poll(job_id).json()
    assert list(body)[:7] == ["id", "generation_id", "polling_url", "status", "unsigned_urls", "urls", "expires_at"]
    assert body["generation_id"] != job_id
    (url,) = body["urls"]
    with httpx.Client(transport=new.http._transport) as anonymous:  # no Authorization header
        assert anonymous.get(url).status_code == 200
        assert anonymous.get(body["unsigned_urls"][0]).status_code == 401
        forged = url.replace(f"exp={body['expires_at']}", f"exp={body['expires_at'] + 3600}")
        assert_envelope(anonymous.get(forged), 403)
        assert_envelope(
            anonymous.get(f"http://testserver/api/v1/videos/{job_id}/content?exp=1&index=0&sig=%5C%F1%99%91%82"), 403
        )
        new.clock.advance(body["expires_at"] - new.clock.now())
        assert assert_envelope(anonymous.get(url), 410)["message"] == "Video has expired"
    assert_envelope(new.http.get(body["unsigned_urls"][0]), 410)
    assert new.poll(job_id).json()["urls"] == [url]  # unchanged after expiry: the download says 410


def test_2026_10_refuses_bodies_over_50_mib_with_413(new: Api, old: Api) -> None:
    limit = VERSIONS[NEW].max_body_bytes
    response = new.http.post(
        "/videos", content=b"{" + b" " * limit + b"}", headers={"Content-Type": "application/json"}
    )
    assert assert_envelope(response, 413)["metadata"]["limit"] == limit
    assert_envelope(old.submit(_body(prompt="x" * old.instance.config.max_body_bytes)), 400)


@pytest.mark.parametrize(("version", "status"), [(NEW, 403), (OLD, 401)])
def test_a_key_disabled_through_the_control_api_is_refused_mid_job(
    make_api: Callable[..., Api], version: str, status: int
) -> None:
    api = make_api(api_version=version)
    job_id = api.job_id()
    mock_controller(api.app).update_key(OPERATOR, api.key, disabled=True)
    for response in (api.poll(job_id), api.submit(), api.http.get(f"/videos/{job_id}/content")):
        assert_envelope(response, status)
    assert api.http.get("/videos/models").status_code == 200  # the catalog ignores keys
    mock_controller(api.app).update_key(OPERATOR, api.key, disabled=False)
    assert api.poll(job_id).status_code == 200


def test_prompt_is_optional_only_with_input_and_only_for_models_that_allow_it(new: Api) -> None:
    assert new.submit(_body(prompt=None, frame_images=[FRAME])).status_code == 202
    assert assert_envelope(new.submit(_body(prompt=None)), 400)["metadata"]["param"] == "prompt"
    sora = _body(model="openai/sora-2-pro", prompt=None, duration=None, resolution=None, frame_images=None)
    assert assert_envelope(new.submit(sora), 400)["metadata"]["param"] == "prompt"


def test_previous_job_id_must_be_a_completed_job_of_the_same_key_and_model(new: Api) -> None:
    running = new.job_id()
    assert assert_envelope(new.submit(_body(previous_job_id="gen-vid-1-nope")), 404)
    assert assert_envelope(new.submit(_body(previous_job_id=running)), 409)["metadata"]["status"] == "pending"
    new.clock.advance(600)
    other = _body(model="google/veo-3.1", previous_job_id=running)
    assert assert_envelope(new.submit(other), 400)["metadata"]["param"] == "previous_job_id"
    assert new.submit(_body(previous_job_id=running)).status_code == 202


def test_session_trace_references_and_upscaling_fields_are_checked(new: Api) -> None:
    assert new.submit(_body(session_id="s" * 256, trace={"trace_id": "t", "extra": 1})).status_code == 202
    assert_envelope(new.submit(_body(), **{"x-session-id": "s" * 257}), 400)
    audio = {"type": "audio_url", "audio_url": {"url": "https://example.com/a.mp3"}}
    refused = assert_envelope(new.submit(_body(input_references=[audio])), 400)
    assert refused["metadata"]["param"] == "input_references[0].type"
    seedance = _body(model="bytedance/seedance-2.0", duration=5, resolution="720p", input_references=[audio])
    assert new.submit(seedance).status_code == 202
    assert_envelope(new.submit(_body(upscale_factor=2)), 400)
    video = {"type": "video_url", "video_url": {"url": "https://example.com/in.mp4"}}
    upscale: dict[str, Any] = {"model": "topazlabs/video-upscale", "input_references": [video], "upscale_factor": 2}
    assert new.submit({**upscale, "creativity": 3}).status_code == 202
    assert assert_envelope(new.submit({**upscale, "upscale_factor": 9}), 400)["metadata"]["param"] == "upscale_factor"
    odd_host = {"type": "video_url", "video_url": {"url": "https://[not-an-ip/in.mp4"}}  # urlsplit raises here
    assert new.submit({**upscale, "input_references": [odd_host]}).status_code == 202
    ftp = {"type": "video_url", "video_url": {"url": "ftp://example.com/in.mp4"}}
    refused = assert_envelope(new.submit({**upscale, "input_references": [ftp]}), 400)
    assert refused["metadata"]["param"] == "input_references[0].video_url.url"


def test_unknown_top_level_fields_are_ignored_and_named(new: Api) -> None:
    response = new.submit(_body(brand_new_field=True))
    assert response.status_code == 202
    assert response.headers["x-mock-ignored-fields"] == "brand_new_field"
    assert "x-mock-ignored-fields" not in new.submit(_body()).headers
    odd = new.submit(_body(**{"\u001f": 0, "é": 1}))
    assert odd.headers["x-mock-ignored-fields"] == "%1F,%C3%A9"  # any name, as a valid header value


def test_the_cli_takes_api_version_and_refuses_an_unknown_one(capsys: pytest.CaptureFixture[str]) -> None:
    from mockserver._settings import resolve
    from mockserver.cli import _config

    assert _config(resolve(["--api-version", OLD], {})).api_version == OLD
    with pytest.raises(SystemExit) as caught:
        resolve(["--api-version", "2099-01"], {})
    assert caught.value.code == 2
    assert "must be one of 2026-06, 2026-10, not '2099-01'" in capsys.readouterr().err
