"""`/openapi.yaml` is exact for the running mock: a request valid against it is one the mock does
not refuse with 400, and one it forbids is refused (both versions; `http/constrained.py`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver._resources import catalog_path, openapi_path
from mockserver.domain.catalog import Catalog
from mockserver.domain.requests import url_scheme
from mockserver.http.constrained import CALLBACK_PATTERN, LOOPBACK_CALLBACK_PATTERN, URL_PATTERN, constrained_spec
from mockserver.webhooks.policy import CallbackPolicy
from tests.mockserver.helpers import SEED_000_BODY, Api

NEW, OLD = "2026-10", "2026-06"
LITE = SEED_000_BODY  # google/veo-3.1-lite, 4 s, 720p, 16:9: valid in both versions


def frame(kind: str = "first_frame", url: str = "https://example.com/f.png") -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": url}, "frame_type": kind}


def ref(kind: str, url: str = "https://example.com/r") -> dict[str, Any]:
    return {"type": kind, kind: {"url": url}}


def body(base: dict[str, Any] = LITE, **changes: Any) -> dict[str, Any]:
    merged = {**base, **changes}
    return {name: value for name, value in merged.items() if value is not None}


SORA = {"model": "openai/sora-2-pro", "prompt": "A ship at sea"}
TOPAZ = {"model": "topazlabs/video-upscale", "input_references": [ref("video_url")]}
SEEDANCE = {"model": "bytedance/seedance-2.0", "prompt": "A dancer"}
BOTH_VERSIONS = [
    body(),
    body(duration=5),  # lite takes 8, 4 or 6 s
    body(duration=8, resolution="1080p", aspect_ratio="9:16"),
    body(resolution="4K"),
    body(size="1280x720", resolution=None, aspect_ratio=None),
    body(size="1280x720"),  # with the 720p and 16:9 it stands for
    body(size="1280x720", resolution="1080p"),  # the size says 720p
    body(size="1280x720", aspect_ratio="9:16"),
    body(size="720x1280", aspect_ratio="9:16", resolution=None),
    body(size="3840x2160", resolution=None, aspect_ratio=None),  # veo-3.1 has it, lite does not
    body(model="google/veo-3.1", size="3840x2160", resolution="4K", aspect_ratio=None, duration=8),
    body(frame_images=[frame()]),
    body(frame_images=[frame("last_frame")]),
    body(frame_images=[frame(), frame("last_frame")]),
    body(frame_images=[frame(), frame()]),  # first_frame twice
    body(frame_images=[frame(), frame("last_frame"), frame()]),
    body(frame_images=[frame(url="data:image/png;base64,iVBORw0KGgo=")]),
    body(frame_images=[frame(url="HTTPS://example.com/f.png")]),
    body(frame_images=[frame(url="\t https://example.com/f.png")]),  # skipped, as urlsplit does
    body(frame_images=[frame(url="ftp://example.com/f.png")]),
    body(frame_images=[frame(url="example.com/f.png")]),
    body(model="minimax/hailuo-2.3", duration=6, resolution="1080p", generate_audio=False),  # no audio
    body(model="minimax/hailuo-2.3", duration=6, resolution="1080p", generate_audio=None),
    body(model="minimax/hailuo-2.3", duration=6, resolution="1080p", generate_audio=None, seed=1),
    body(seed=7),
    body(model="kwaivgi/kling-v3.0-pro", seed=7),  # kling: seed false
    body(model="kwaivgi/kling-v3.0-pro", duration=15, aspect_ratio="1:1"),
    body(model="openai/sora-2", duration=None, resolution=None, aspect_ratio=None),  # gone from both
    body(model="acme/unknown"),
    body(callback_url="https://hooks.example.com/video"),
    body(callback_url="https://hooks.example.com:8443/video?x=1"),
    body(callback_url="https://hooks.example.com:70000/"),  # no such port
    body(callback_url="http://hooks.example.com/video"),
    body(callback_url="http://127.0.0.1:9000/hook"),  # http only with --webhook-allow-http-loopback
    body(callback_url="https://[::1]/hook"),
    body(provider={"options": {"google-vertex": {"enhancePrompt": True}, "made-up": 1}}),
    body(provider={"options": {"google-vertex": 1}}),  # a named slug takes an object
]
CURRENT_ONLY = [
    body(prompt=None),  # no prompt and no input
    body(prompt=None, frame_images=[frame()]),  # a first frame alone
    body(prompt=None, frame_images=[]),
    body(prompt=None, input_references=[ref("image_url")]),
    body(prompt=None, input_references=[]),
    body(prompt=None, previous_job_id="gen-vid-1795249160-Nu908SAyQg81UNYgC4Xh"),  # valid: unknown, so 404
    body(previous_job_id="gen-vid-1795249160-Nu908SAyQg81UNYgC4Xh"),
    body(SORA),
    body(SORA, prompt=None),  # sora needs a prompt
    body(SORA, frame_images=[frame()]),  # and takes no frames
    body(input_references=[ref("audio_url")]),  # audio only for Seedance 2.x
    body(SEEDANCE, input_references=[ref("audio_url"), ref("video_url")]),
    body(SEEDANCE, input_references=[ref("video_url", "http://example.com/in.mp4")]),
    body(SEEDANCE, input_references=[ref("video_url", " https://example.com/in.mp4")]),
    body(TOPAZ),
    body(TOPAZ, creativity=3, upscale_factor=4),
    body(TOPAZ, creativity=9),
    body(TOPAZ, upscale_factor=4.5),
    body(TOPAZ, duration=4),  # an upscaler takes no duration
    body(TOPAZ, input_references=[ref("image_url")]),
    body(upscale_factor=2),  # lite is not an upscaler
    body(creativity=1),
    body(session_id="s" * 256, user="u-1", trace={"trace_id": "t", "extra": 1}),
    body(session_id="s" * 257),
    body(brand_new_field={"any": "thing"}),  # unknown top-level fields are ignored
]
OLD_ONLY = [body(brand_new_field=1), body(prompt=None), body(user="u-1")]


def served(api: Api) -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(api.http.get("http://testserver/openapi.yaml").text)
    return spec


def request_validator(spec: dict[str, Any]) -> jsonschema_rs.Validator:
    schema = {"$ref": "#/components/schemas/VideoGenerationRequest", "components": spec["components"]}
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)


@pytest.mark.parametrize(("version", "bodies"), [(NEW, BOTH_VERSIONS + CURRENT_ONLY), (OLD, BOTH_VERSIONS + OLD_ONLY)])
def test_the_served_document_admits_exactly_what_the_mock_accepts(
    make_api: Callable[..., Api], version: str, bodies: list[dict[str, Any]]
) -> None:
    api = make_api(api_version=version)
    spec = served(api)
    valid = request_validator(spec)
    request = spec["components"]["schemas"]["VideoGenerationRequest"]
    assert request["properties"]["model"]["enum"] == api.instance.service.catalog.ids
    outcomes: set[int] = set()
    for sent in bodies:
        status = api.submit(sent).status_code
        assert status in (202, 400, 404), (sent, status)  # 404: a previous_job_id this key does not have
        assert valid.is_valid(sent) == (status != 400), (sent, status, next(valid.iter_errors(sent), None))
        outcomes.add(status)
    assert outcomes == {202, 400, 404} if version == NEW else {202, 400}


def test_a_callback_on_loopback_over_http_is_documented_when_the_mock_takes_it(make_api: Callable[..., Api]) -> None:
    api = make_api(api_version=NEW, webhook_allow_http_loopback=True)
    valid = request_validator(served(api))
    for url, accepted in [("http://127.0.0.1:9000/h", True), ("http://localhost/h", True), ("http://a.test/", False)]:
        sent = body(callback_url=url)
        assert (api.submit(sent).status_code == 202) == accepted == valid.is_valid(sent), url


def test_a_removed_model_leaves_the_document_and_so_do_its_examples(make_api: Callable[..., Api]) -> None:
    api = make_api(api_version=NEW, removed_models=frozenset({"google/veo-3.1-lite"}))
    spec = served(api)
    models = spec["components"]["schemas"]["VideoGenerationRequest"]["properties"]["model"]["enum"]
    assert models == api.instance.service.catalog.ids and "google/veo-3.1-lite" not in models
    examples = spec["paths"]["/videos"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    assert examples and all(example["value"]["model"] != "google/veo-3.1-lite" for example in examples.values())
    valid = request_validator(spec)
    assert all(valid.is_valid(example["value"]) for example in examples.values())


@pytest.mark.parametrize("version", [NEW, OLD])
def test_only_the_request_schema_is_narrowed(make_api: Callable[..., Api], version: str) -> None:
    spec = served(make_api(api_version=version))
    name = "modelgates-2026-10.yaml" if version == NEW else "modelgates.yaml"
    original: dict[str, Any] = yaml.safe_load(openapi_path(name).read_text(encoding="utf-8"))
    narrowed = {"VideoGenerationRequest", "VideoGenerationRequestProviderOptions"} | {
        name for name in original["components"]["schemas"] if name.endswith(("ImageUrl", "AudioUrl", "VideoUrl"))
    }
    for component, schema in original["components"]["schemas"].items():
        if component not in narrowed:
            assert spec["components"]["schemas"][component] == schema, component
    for path, item in original["paths"].items():
        for method, operation in item.items():
            served_operation = spec["paths"][path][method]
            assert served_operation["responses"] == operation["responses"], (path, method)
            assert served_operation.get("parameters") == operation.get("parameters"), (path, method)
    request = spec["components"]["schemas"]["VideoGenerationRequest"]
    # 2026-06 stays closed; 2026-10's annotation-only `additionalProperties` (anything goes) is left out.
    assert request.get("additionalProperties", True) is (version != OLD)
    options = spec["components"]["schemas"]["VideoGenerationRequestProviderOptions"]
    slugs = original["components"]["schemas"]["VideoGenerationRequestProviderOptions"]["properties"]
    named = jsonschema_rs.Draft202012Validator({"patternProperties": options["patternProperties"]})
    assert all(not named.is_valid({slug: 1}) for slug in slugs)  # each named slug still takes an object only
    assert named.is_valid({"ai21x": 1, "x01ai": 1})  # and only the exact names are named


URLISH = st.lists(
    st.sampled_from(
        ["https", "HTTPS", "http", "data", "hTtPs", ":", "//", "/", "?", "#", "@", "[", "]", "::1", "127.0.0.1"]
        + ["127.1", "localhost", "LOCALHOST.", "example.com", ":443", ":0", ":65535", ":65536", "%41", "v1.x", "V1.x"]
        + ["0:0:0:0:0:0:0:1", "::0.0.0.1", "user:pw@", " ", "\t", "\n", "\x00", "\u00e9", "0", "g", ".", "-"]
    ),
    max_size=8,
).map("".join)
URL_RULE = jsonschema_rs.Draft202012Validator({"type": "string", "pattern": URL_PATTERN})
IS_URI = jsonschema_rs.Draft202012Validator({"type": "string", "format": "uri"}, validate_formats=True)
CALLBACKS = {
    CALLBACK_PATTERN: CallbackPolicy(),
    LOOPBACK_CALLBACK_PATTERN: CallbackPolicy(allow_http_loopback=True),
}
CALLBACK_RULES = {
    pattern: jsonschema_rs.Draft202012Validator(
        {"type": "string", "format": "uri", "pattern": pattern}, validate_formats=True
    )
    for pattern in CALLBACKS
}


@given(st.one_of(URLISH, st.text(max_size=20)))
@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_url_patterns_say_what_the_mock_reads(url: str) -> None:
    assert URL_RULE.is_valid(url) == (url_scheme(url) in ("https", "data")), url
    for pattern, policy in CALLBACKS.items():
        # `callback_url` keeps the document's `format: uri`; the pattern adds what the policy wants.
        accepted = IS_URI.is_valid(url) and policy.refusal(url) is None
        assert CALLBACK_RULES[pattern].is_valid(url) == accepted, (url, pattern == CALLBACK_PATTERN)


def test_odd_catalog_rows_are_described_as_the_mock_reads_them(make_api: Callable[..., Api], tmp_path: Path) -> None:
    rows = json.loads(catalog_path("fixtures/catalogs/2026-10.json").read_text(encoding="utf-8"))["data"]
    lite = next(row for row in rows if row["id"] == "google/veo-3.1-lite")
    odd = {
        **lite,
        "id": "acme/odd",
        "canonical_slug": "acme/odd-20261201",
        "supported_durations": [5, 5],  # listed twice
        "supported_sizes": ["1280x720", "1280x720", "0x720", "1000x1000"],  # 1000x1000: no resolution
        "supported_frame_images": ["last_frame"],
        "seed": None,
        "generate_audio": None,
    }
    path = tmp_path / "odd.json"
    path.write_text(json.dumps({"data": [odd]}), encoding="utf-8")
    api = make_api(api_version=NEW, catalog=str(path))
    valid = request_validator(served(api))
    odd_body: dict[str, Any] = {"model": "acme/odd", "prompt": "p"}
    outcomes: set[int] = set()
    for sent in [
        odd_body,
        {**odd_body, "duration": 5},
        {**odd_body, "size": "1280x720"},
        {**odd_body, "size": "0x720"},  # listed, but no size the mock can read
        {**odd_body, "size": "1000x1000", "aspect_ratio": "1:1"},  # 1:1 is not a ratio this row lists
        {**odd_body, "size": "1000x1000"},
        {**odd_body, "size": "1000x1000", "resolution": "720p"},  # it stands for no named resolution
        {**odd_body, "frame_images": [frame("last_frame")]},
        {**odd_body, "frame_images": [frame()]},
        {**odd_body, "seed": 1},
        {**odd_body, "generate_audio": True},
    ]:
        status = api.submit(sent).status_code
        assert valid.is_valid(sent) == (status == 202), (sent, status)
        outcomes.add(status)
    assert outcomes == {202, 400}


def test_a_catalog_without_models_documents_that_nothing_is_accepted(make_api: Callable[..., Api]) -> None:
    api = make_api(api_version=NEW)
    empty = constrained_spec(api.instance.document.spec, Catalog([]), current_fields=True)
    assert not request_validator(empty).is_valid(dict(LITE))
    assert "examples" not in empty["paths"]["/videos"]["post"]["requestBody"]["content"]["application/json"]
