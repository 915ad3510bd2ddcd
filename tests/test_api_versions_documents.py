"""The two API versions as data: both documents, both catalogs, and the 2026-10 status table.

`openapi/modelgates.yaml` is 2026-06, `openapi/modelgates-2026-10.yaml` is 2026-10; what differs is
`openapi/DECISIONS.md` ("API versions"). Nothing here starts a server.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
import yaml
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.definitions import OPENAPI_31

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = {
    "2026-06": ROOT / "openapi" / "modelgates.yaml",
    "2026-10": ROOT / "openapi" / "modelgates-2026-10.yaml",
}
CATALOGS = {
    "2026-06": ROOT / "fixtures" / "models.json",
    "2026-10": ROOT / "fixtures" / "catalogs" / "2026-10.json",
}
CAPABILITIES = ROOT / "fixtures" / "catalogs" / "2026-10.capabilities.json"

# api-facts-current.md, "Status codes each SDK maps to a typed error" (current column), plus the
# 206/416 the seed-era document already serves for Range.
STATUSES_2026_10 = {
    ("post", "/videos"): {"202", "400", "401", "402", "403", "404", "413", "429", "500", "503"},
    ("get", "/videos/{jobId}"): {"200", "401", "403", "404", "500"},
    ("get", "/videos/{jobId}/content"): {"200", "206", "400", "401", "403", "404", "409", "410", "416", "500", "502"},
    ("get", "/videos/models"): {"200", "400", "500"},
}
STATUSES_2026_06 = {
    ("post", "/videos"): {"202", "400", "401", "402", "404", "429", "500"},
    ("get", "/videos/{jobId}"): {"200", "401", "404", "500"},
    ("get", "/videos/{jobId}/content"): {"200", "206", "400", "401", "404", "416", "500", "502"},
    ("get", "/videos/models"): {"200", "400", "500"},
}
# Answered by the service, absent from the vendor's document (DECISIONS: previous_job_id, 429/503 on polls).
UNDOCUMENTED_2026_10 = {("post", "/videos"): {"409"}, ("get", "/videos/{jobId}"): {"429", "503"}}

# The one change made to the 2026-06 document since a13fec4 (DECISIONS, "VideoModel.creativity /
# upscale_factor"): undoing it must give back that commit's bytes exactly.
SEED_DOCUMENT_SHA256 = "c3111288be63f7d8176a8fc2d71a0a0e37ce5376e51b05b0174ae3d5a9251a35"
TYPE_FIX_BEFORE = """        creativity:
          description: Reserved; null for every model of this catalog.
        upscale_factor:
          type: [number, 'null']
          description: Reserved; null for every model of this catalog.
"""
TYPE_FIX_AFTER = """        creativity:
          type: [array, 'null']
          items: {type: integer}
          description: >-
            Creativity levels an upscaling model accepts (the vendor's type since 2026-08).
            Null for every model of this catalog: none of them is an upscaler.
        upscale_factor:
          type: [object, 'null']
          properties:
            min: {type: [number, 'null']}
            max: {type: [number, 'null']}
          required: [min, max]
          description: >-
            The upscale factors an upscaling model accepts (the vendor's type since 2026-08).
            Null for every model of this catalog: none of them is an upscaler.
"""


@cache
def document(version: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DOCUMENTS[version].read_text(encoding="utf-8"))
    return loaded


@cache
def catalog(version: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(CATALOGS[version].read_text(encoding="utf-8"))["data"]
    return rows


def component_validator(version: str, name: str) -> jsonschema_rs.Draft202012Validator:
    schema = {"$ref": f"#/components/schemas/{name}", "components": document(version)["components"]}
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)


def operations(version: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {(method, path): op for path, item in document(version)["paths"].items() for method, op in item.items()}


@pytest.mark.parametrize("version", sorted(DOCUMENTS))
def test_document_loads_in_schemathesis_with_its_four_operations(version: str) -> None:
    schema = schemathesis.openapi.from_path(str(DOCUMENTS[version]), config=schemathesis.Config())
    found: set[tuple[str, str]] = set()
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # an Err is an operation that does not load
        operation = result.ok()
        found.add((operation.method.lower(), operation.path))
    assert found == set(STATUSES_2026_10)


@pytest.mark.parametrize("version", sorted(DOCUMENTS))
def test_document_is_valid_openapi_3_1(version: str) -> None:
    errors = [error.message for error in jsonschema_rs.validator_for(OPENAPI_31).iter_errors(document(version))]
    assert errors == []


@pytest.mark.parametrize("version", sorted(CATALOGS))
def test_every_catalog_row_validates_against_its_versions_model_schema(version: str) -> None:
    validator = component_validator(version, "VideoModel")
    invalid = {row["id"]: [e.message for e in validator.iter_errors(row)] for row in catalog(version)}
    assert {model: errors for model, errors in invalid.items() if errors} == {}
    assert component_validator(version, "VideoModelsListResponse").is_valid({"data": catalog(version)})


@pytest.mark.parametrize("version", sorted(CATALOGS))
def test_catalog_is_newest_first_with_unique_ids(version: str) -> None:
    rows = catalog(version)
    assert len({row["id"] for row in rows}) == len(rows)
    assert [row["created"] for row in rows] == sorted((row["created"] for row in rows), reverse=True)


@pytest.mark.parametrize(("version", "table"), [("2026-10", STATUSES_2026_10), ("2026-06", STATUSES_2026_06)])
def test_each_operation_documents_exactly_its_versions_statuses(
    version: str, table: dict[tuple[str, str], set[str]]
) -> None:
    assert {key: set(op["responses"]) for key, op in operations(version).items()} == table


def test_2026_10_lists_the_answered_but_undocumented_statuses_apart() -> None:
    found = {
        key: set(op["x-undocumented-responses"]) - {"description"}
        for key, op in operations("2026-10").items()
        if "x-undocumented-responses" in op
    }
    assert found == UNDOCUMENTED_2026_10
    assert all(not found[key] & STATUSES_2026_10[key] for key in found)
    assert all("x-undocumented-responses" not in op for op in operations("2026-06").values())


def test_2026_06_document_is_the_seed_document_but_for_the_model_type_fix() -> None:
    text = DOCUMENTS["2026-06"].read_text(encoding="utf-8")
    assert text.count(TYPE_FIX_AFTER) == 1
    restored = text.replace(TYPE_FIX_AFTER, TYPE_FIX_BEFORE)
    assert hashlib.sha256(restored.encode()).hexdigest() == SEED_DOCUMENT_SHA256


def test_seed_catalog_is_unchanged_in_2026_10_but_for_two_sourced_skus() -> None:
    seed = {row["id"]: row for row in catalog("2026-06")}
    current = {row["id"]: row for row in catalog("2026-10")}
    assert set(current) - set(seed) == {"minimax/hailuo-3", "topazlabs/video-upscale"}
    assert set(seed) <= set(current)  # openai/sora-2 was removed, but was never a seed-era row
    for model, row in seed.items():
        added = {k: v for k, v in current[model]["pricing_skus"].items() if k not in row["pricing_skus"]}
        expected = {"video_tokens_with_video_input": row["pricing_skus"].get("video_tokens")}
        assert added == (expected if model.startswith("bytedance/seedance-2.0") else {})
        assert current[model] | {"pricing_skus": row["pricing_skus"]} == row


def test_2026_10_catalog_types_creativity_and_upscale_factor_and_marks_the_upscaler() -> None:
    capabilities = json.loads(CAPABILITIES.read_text(encoding="utf-8"))["models"]
    rows = {row["id"]: row for row in catalog("2026-10")}
    assert set(capabilities) == set(rows)
    for model, row in rows.items():
        upscaling = row["upscale_factor"] is not None
        assert (row["creativity"] is not None) == upscaling == capabilities[model]["upscaling"]
        assert capabilities[model]["prompt_required"] == (
            not upscaling and "first_frame" not in (row["supported_frame_images"] or [])
        )
    hailuo = rows["minimax/hailuo-3"]
    assert (hailuo["supported_resolutions"], hailuo["supported_durations"]) == (["2K"], [5])
    assert (hailuo["supported_aspect_ratios"], hailuo["generate_audio"]) == (["16:9"], True)
    takes_audio = {model for model, caps in capabilities.items() if "audio_url" in caps["input_reference_types"]}
    assert takes_audio == {"bytedance/seedance-2.0", "bytedance/seedance-2.0-fast"}


REQUEST_CASES = [
    ({"model": "google/veo-3.1-lite"}, "2026-10", True),  # prompt optional
    ({"model": "google/veo-3.1-lite"}, "2026-06", False),
    ({"model": "m", "prompt": "p", "resolution": "768p"}, "2026-10", True),
    ({"model": "m", "prompt": "p", "resolution": "360p"}, "2026-06", False),
    (
        {"model": "m", "input_references": [{"type": "audio_url", "audio_url": {"url": "https://a/b.mp3"}}]},
        "2026-10",
        True,
    ),
    (
        {"model": "m", "input_references": [{"type": "audio_url", "image_url": {"url": "https://a/b.mp3"}}]},
        "2026-10",
        False,
    ),
    ({"model": "m", "session_id": "s" * 257}, "2026-10", False),
    ({"model": "m", "trace": {"trace_id": "t", "custom": 1}, "user": "u", "previous_job_id": "j"}, "2026-10", True),
    ({"model": "m", "creativity": 2, "upscale_factor": 1.5}, "2026-10", True),
    ({"model": "m", "creativity": 2.5}, "2026-10", False),
    ({"model": "m", "prompt": "p", "aspectRatio": "16:9"}, "2026-10", True),  # unknown top-level: ignored
    ({"model": "m", "prompt": "p", "aspectRatio": "16:9"}, "2026-06", False),
]


@pytest.mark.parametrize(("body", "version", "valid"), REQUEST_CASES)
def test_request_schema_of_each_version(body: dict[str, Any], version: str, valid: bool) -> None:
    assert component_validator(version, "VideoGenerationRequest").is_valid(body) is valid


def test_2026_10_job_ids_and_signed_urls_are_documented() -> None:
    job = document("2026-10")["components"]["schemas"]["VideoGenerationResponse"]["properties"]
    assert job["id"]["pattern"] == r"^gen-vid-\d+-[A-Za-z0-9]{20}$"
    assert job["expires_at"]["type"] == "integer"
    assert job["urls"]["items"]["format"] == "uri"
    post = operations("2026-10")[("post", "/videos")]
    header = document("2026-10")["components"]["parameters"]["SessionIdHeader"]
    assert post["parameters"] == [{"$ref": "#/components/parameters/SessionIdHeader"}]
    assert (header["name"], header["in"], header["schema"]["maxLength"]) == ("x-session-id", "header", 256)


def _examples(version: str) -> list[tuple[str, dict[str, Any], Any]]:
    responses = document(version)["components"]["responses"]
    found = []
    for (method, path), op in operations(version).items():
        bodies = [("request", op["requestBody"])] if "requestBody" in op else []
        bodies += [
            (code, responses[r["$ref"].rsplit("/", 1)[1]] if "$ref" in r else r) for code, r in op["responses"].items()
        ]
        for where, body in bodies:
            for media in body.get("content", {}).values():
                for name, example in (media.get("examples") or {}).items():
                    found.append((f"{method} {path} {where} {name}", media["schema"], example["value"]))
    return found


@pytest.mark.parametrize("version", sorted(DOCUMENTS))
def test_every_example_matches_its_schema(version: str) -> None:
    components = document(version)["components"]
    examples = _examples(version)
    assert len(examples) > 10
    for where, schema, value in examples:
        validator = jsonschema_rs.Draft202012Validator({**schema, "components": components}, validate_formats=True)
        assert [e.message for e in validator.iter_errors(value)] == [], where
