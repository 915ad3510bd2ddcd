"""Every bad submit gets the 400 envelope naming the parameter; nothing is stored."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.domain.errors import ApiError
from mockserver.domain.requests import url_scheme
from mockserver.wire.body import decode_json
from tests.mockserver.helpers import SEED_000_BODY, Api, assert_envelope


def body(**changes: Any) -> dict[str, Any]:
    merged = {**SEED_000_BODY, **changes}
    return {k: v for k, v in merged.items() if v is not ...}


@pytest.mark.parametrize(
    ("payload", "param"),
    [
        (body(surprise=1), "surprise"),
        (body(duration="4"), "duration"),
        (body(duration=4.5), "duration"),
        (body(seed=None), "seed"),
        (body(provider=None), "provider"),
        (body(resolution="8K"), "resolution"),
        (body(aspect_ratio="5:4"), "aspect_ratio"),
        (body(callback_url="not a uri"), "callback_url"),
        (body(prompt=...), "prompt"),
        (body(model=...), "model"),
        (
            body(frame_images=[{"type": "image_url", "image_url": {"url": "https://x.test/a.png"}}]),
            "frame_images[0].frame_type",
        ),
        (
            body(frame_images=[{"type": "video", "image_url": {"url": "https://x"}, "frame_type": "first_frame"}]),
            "frame_images[0].type",
        ),
        (body(provider={"options": {"google-vertex": []}}), "provider.options.google-vertex"),
        ([SEED_000_BODY], "body"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_schema_violations_name_the_field(api: Api, payload: Any, param: str) -> None:
    error = assert_envelope(api.submit(payload), 400)
    assert error["metadata"]["error_type"] == "invalid_request"
    assert error["metadata"]["param"] == param
    assert param in error["message"] or param == "body"
    assert api.control.job_count == 0


@pytest.mark.parametrize(
    ("payload", "param", "allowed"),
    [
        (body(model="acme/nope"), "model", None),
        (body(duration=5), "duration", [8, 4, 6]),
        (body(resolution="4K"), "resolution", ["720p", "1080p"]),
        (body(aspect_ratio="1:1"), "aspect_ratio", ["16:9", "9:16"]),
        (
            body(size="720x720", resolution=..., aspect_ratio=...),
            "size",
            ["1280x720", "720x1280", "1920x1080", "1080x1920"],
        ),
        (body(size="1280x720", aspect_ratio="9:16"), "aspect_ratio", ["16:9"]),
        (body(size="big"), "size", []),
        (body(model="openai/sora-2-pro", seed=1, generate_audio=..., duration=4), "seed", []),
        (body(model="minimax/hailuo-2.3", duration=6, resolution="1080p", generate_audio=False), "generate_audio", []),
        (
            body(
                model="alibaba/wan-2.6",
                duration=5,
                frame_images=[
                    {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}, "frame_type": "last_frame"}
                ],
            ),
            "frame_images[0].frame_type",
            ["first_frame"],
        ),
        (
            body(
                model="openai/sora-2-pro",
                generate_audio=...,
                frame_images=[
                    {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}, "frame_type": "first_frame"}
                ],
            ),
            "frame_images[0].frame_type",
            [],
        ),
        (
            body(
                frame_images=[
                    {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}, "frame_type": "first_frame"},
                    {"type": "image_url", "image_url": {"url": "https://x.test/b.png"}, "frame_type": "first_frame"},
                ]
            ),
            "frame_images[1].frame_type",
            [],
        ),
        (
            body(input_references=[{"type": "image_url", "image_url": {"url": "ftp://x.test/a.png"}}]),
            "input_references[0].image_url.url",
            ["https", "data"],
        ),
    ],
)
def test_catalog_rules_name_the_parameter_and_the_allowed_values(
    api: Api, payload: dict[str, Any], param: str, allowed: list[Any] | None
) -> None:
    error = assert_envelope(api.submit(payload), 400)
    assert error["metadata"]["param"] == param
    if allowed is not None:
        assert error["metadata"]["allowed"] == allowed
    assert api.control.job_count == 0


def test_unknown_model_lists_every_model(api: Api) -> None:
    error = assert_envelope(api.submit(body(model="acme/nope")), 400)
    assert len(error["metadata"]["allowed"]) == 13 and "google/veo-3.1-lite" in error["message"]


def test_every_problem_is_listed_not_just_the_first(api: Api) -> None:
    error = assert_envelope(api.submit(body(duration=5, resolution="4K", aspect_ratio="1:1")), 400)
    assert [e["param"] for e in error["metadata"]["errors"]] == ["duration", "resolution", "aspect_ratio"]


def test_malformed_json(api: Api) -> None:
    response = api.http.post("/videos", content=b'{"model": ', headers={"content-type": "application/json"})
    assert assert_envelope(response, 400)["metadata"]["param"] == "body"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_wrong_content_type(api: Api, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = api.http.post("/videos", content=b"{}", headers=headers)
    assert assert_envelope(response, 400)["metadata"]["param"] == "Content-Type"


def test_oversized_body_is_refused_before_it_is_read_whole(api: Api) -> None:
    huge = body(prompt="x" * (api.instance.config.max_body_bytes + 1))
    assert assert_envelope(api.submit(huge), 400)["metadata"]["param"] == "body"


def test_not_utf8(api: Api) -> None:
    response = api.http.post("/videos", content=b"\xff\xfe{}", headers={"content-type": "application/json"})
    assert_envelope(response, 400)


def test_unknown_provider_slugs_and_data_urls_are_accepted(api: Api) -> None:
    payload = body(
        provider={"options": {"made-up": {"anything": None}, "google-vertex": {"enhancePrompt": True}}},
        frame_images=[
            {
                "type": "image_url",
                "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="},
                "frame_type": "first_frame",
            }
        ],
    )
    assert api.submit(payload).status_code == 202


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("https://[not-an-ip/a.png", 202),  # urlsplit raises on the host: this was a 500
        ("HTTPS://x.test/a.png", 202),
        (" \thttps://x.test/a.png", 202),  # leading controls and spaces are skipped, as urlsplit does
        ("ht\ttps://x.test/a.png", 202),  # and tabs, CRs and LFs dropped anywhere
        ("https\uff1a//x.test/a.png", 400),  # a fullwidth colon ends no scheme
        ("http://x.test/a.png", 400),
        ("//x.test/a.png", 400),
    ],
)
def test_an_image_url_is_judged_by_its_scheme_alone_and_never_fails_the_server(api: Api, url: str, status: int) -> None:
    frame = {"type": "image_url", "image_url": {"url": url}, "frame_type": "first_frame"}
    response = api.submit(body(frame_images=[frame]))
    assert response.status_code == status, response.text
    if status == 400:
        assert assert_envelope(response, 400)["metadata"]["param"] == "frame_images[0].image_url.url"


@given(st.text(alphabet=st.sampled_from(list("hHtTpPsSdDaA:/[]@ \t\r\n\x00\x01x+-.%\u00e9")), max_size=14) | st.text())
@settings(max_examples=500, deadline=None)
def test_url_scheme_reads_what_urlsplit_reads_without_raising(url: str) -> None:
    try:
        expected = urlsplit(url).scheme.lower()
    except ValueError:  # a host urlsplit cannot read: url_scheme still answers
        assert isinstance(url_scheme(url), str)
        return
    assert url_scheme(url) == expected


def test_size_alone_is_interchangeable_with_resolution_and_aspect_ratio(api: Api) -> None:
    job_id = api.job_id(body(size="1080x1920", resolution=..., aspect_ratio=...))
    assert api.control.stored(job_id).aspect_ratio == "9:16"  # type: ignore[union-attr]


def test_unknown_scenario_header_is_refused_with_the_choices(api: Api) -> None:
    error = assert_envelope(api.submit(None, **{"X-Mock-Scenario": "nope"}), 400)
    assert "happy" in error["metadata"]["allowed"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_bodies_decode_as_json_loads_would_in_every_json_encoding(encoding: str) -> None:
    # The UTF-8 shortcut for "{" plus a non-NUL must agree with `json.detect_encoding` everywhere.
    text = json.dumps({**SEED_000_BODY, "prompt": "Grüße, 猫 🐈"}, ensure_ascii=False)
    raw = text.encode(encoding)
    assert decode_json(raw) == json.loads(raw)


def test_a_lone_surrogate_escape_is_refused_and_a_paired_one_kept() -> None:
    assert decode_json(b'{"prompt": "\\ud83d\\udc08"}') == {"prompt": "🐈"}
    with pytest.raises(ApiError) as caught:
        decode_json(b'{"prompt": "\\ud83d"}')
    assert caught.value.status == 400


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": 1}',
        b'{"a": 1} ',
        b' {"a": 1}',
        b'{"a": 1}\n\t',
        b'{"a": 1} x',
        b'{"a": 1}{}',
        b'{"a": ',
        b"{",
        b'{"a" 1}',
        b"{}",
        b"[1]",
        b'{"a": [1, {"b": null}]}',
        b'{"a": "\\\\u0041"}',
    ],
)
def test_bodies_decode_and_fail_exactly_as_json_decode(raw: bytes) -> None:
    try:
        expected: Any = json.JSONDecoder().decode(raw.decode())
    except json.JSONDecodeError as exc:
        with pytest.raises(ApiError) as caught:
            decode_json(raw)
        assert caught.value.message == f"Malformed JSON body: {exc}"
    else:
        assert decode_json(raw) == expected


def test_a_raw_lone_surrogate_is_refused_at_submit_and_the_job_list_still_answers(api: Api) -> None:
    # UTF-8 bytes of U+D800: not text. Taken, the job's prompt broke every later listing with a 500.
    raw = b'{"model": "google/veo-3.1-lite", "prompt": "a \xed\xa0\x80 b"}'
    response = api.http.post("/videos", content=raw, headers={"Content-Type": "application/json"})
    error = assert_envelope(response, 400)
    assert error["metadata"]["param"] == "body"
    with pytest.raises(ApiError) as caught:
        decode_json(raw)
    assert caught.value.status == 400
    listed = api.http.get("http://testserver/_mock/jobs")
    assert listed.status_code == 200, listed.text
    assert listed.json() == {"jobs": []}
