"""The client's pydantic models against the OpenAPI document, and their lenient parsing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from client.models import (
    TERMINAL_STATUSES,
    ContentPartImage,
    FrameImage,
    ImageUrl,
    Job,
    JobStatus,
    Usage,
    VideoModel,
    VideoModelsList,
    VideoRequest,
)

ROOT = Path(__file__).resolve().parents[2]
# The client speaks the newest version (2026-10); its fields are a superset of 2026-06's.
SCHEMAS: dict[str, Any] = yaml.safe_load((ROOT / "openapi" / "modelgates-2026-10.yaml").read_text())["components"][
    "schemas"
]


def sent_always(model: type[BaseModel]) -> set[str]:
    """Fields a request model always serialises: required, or with a non-None default."""
    return {name for name, info in model.model_fields.items() if info.is_required() or info.default is not None}


def required(model: type[BaseModel]) -> set[str]:
    return {name for name, info in model.model_fields.items() if info.is_required()}


RESPONSE_MODELS = [
    ("VideoGenerationResponse", Job),
    ("VideoGenerationUsage", Usage),
    ("VideoModel", VideoModel),
    ("VideoModelsListResponse", VideoModelsList),
]
REQUEST_MODELS = [
    ("VideoGenerationRequest", VideoRequest),
    ("FrameImage", FrameImage),
    ("ContentPartImage", ContentPartImage),
    ("FrameImageImageUrl", ImageUrl),
]


@pytest.mark.parametrize(("schema", "model"), RESPONSE_MODELS + REQUEST_MODELS)
def test_model_has_exactly_the_schema_properties(schema: str, model: type[BaseModel]) -> None:
    assert set(model.model_fields) == set(SCHEMAS[schema]["properties"])


@pytest.mark.parametrize(("schema", "model"), RESPONSE_MODELS)
def test_response_model_requires_what_the_schema_requires(schema: str, model: type[BaseModel]) -> None:
    assert required(model) == set(SCHEMAS[schema].get("required", []))


@pytest.mark.parametrize(("schema", "model"), REQUEST_MODELS)
def test_request_model_always_sends_what_the_schema_requires(schema: str, model: type[BaseModel]) -> None:
    assert sent_always(model) == set(SCHEMAS[schema].get("required", []))


VIDEO_MODEL = SCHEMAS["VideoModel"]


@pytest.mark.parametrize("field", sorted(VIDEO_MODEL["required"]))
def test_video_model_required_keys_accept_null_only_where_documented(field: str) -> None:
    prop = VIDEO_MODEL["properties"][field]
    nullable = "type" not in prop or "null" in prop["type"]  # untyped means "any", null included
    row = _catalog_row() | {field: None}
    if nullable:
        assert getattr(VideoModel.model_validate(row), field) is None
    else:
        with pytest.raises(ValueError, match=field):
            VideoModel.model_validate(row)


@pytest.mark.parametrize("field", sorted(set(VIDEO_MODEL["properties"]) - set(VIDEO_MODEL["required"])))
def test_video_model_optional_keys_may_be_absent_or_null(field: str) -> None:
    # Lenient on purpose: a stray null in an optional field must not break the catalog.
    row = _catalog_row()
    del row[field]
    assert getattr(VideoModel.model_validate(row), field) is None
    assert getattr(VideoModel.model_validate(row | {field: None}), field) is None


def test_job_status_lists_the_documented_statuses() -> None:
    assert {s.value for s in JobStatus} == set(SCHEMAS["VideoGenerationResponseStatus"]["enum"])
    assert {"completed", "failed", "cancelled", "expired"} == TERMINAL_STATUSES


def test_the_catalog_fixture_parses() -> None:
    catalog = VideoModelsList.model_validate_json((ROOT / "fixtures" / "models.json").read_bytes())
    assert [m.id for m in catalog.data][:2] == ["kwaivgi/kling-v3.0-pro", "kwaivgi/kling-v3.0-std"]
    lite = next(m for m in catalog.data if m.id == "google/veo-3.1-lite")
    assert lite.supported_durations == [8, 4, 6]  # the provider's order, not sorted


def test_job_keeps_unknown_fields_and_statuses() -> None:
    job = Job.model_validate({"id": "j", "polling_url": "https://x/videos/j", "status": "queued", "eta": 12})
    assert job.status == "queued"
    assert not job.is_terminal and not job.is_known_status and not job.is_completed
    assert job.model_extra == {"eta": 12}


@pytest.mark.parametrize(
    ("status", "terminal", "completed"),
    [
        ("pending", False, False),
        ("in_progress", False, False),
        ("completed", True, True),
        ("failed", True, False),
        ("cancelled", True, False),
        ("expired", True, False),
    ],
)
def test_job_status_helpers(status: str, terminal: bool, completed: bool) -> None:
    job = Job(id="j", polling_url="u", status=status)
    assert (job.is_terminal, job.is_completed, job.is_known_status) == (terminal, completed, True)


def test_to_body_omits_unset_and_none_fields() -> None:
    request = VideoRequest(model="google/veo-3.1-lite", prompt="p", duration=4, seed=None)
    assert request.to_body() == {"model": "google/veo-3.1-lite", "prompt": "p", "duration": 4}


def test_to_body_keeps_nested_values_exactly() -> None:
    provider = {"options": {"google-vertex": {"negativePrompt": None, "enhancePrompt": False}}}
    request = VideoRequest(
        model="m",
        prompt="p",
        generate_audio=False,
        frame_images=[FrameImage(image_url=ImageUrl(url="https://i/1.jpg"), frame_type="last_frame")],
        input_references=[ContentPartImage(image_url=ImageUrl(url="data:image/png;base64,AA=="))],
        provider=provider,
    )
    assert request.to_body() == {
        "model": "m",
        "prompt": "p",
        "generate_audio": False,
        "frame_images": [
            {
                "image_url": {"url": "https://i/1.jpg"},
                "type": "image_url",
                "frame_type": "last_frame",
            }
        ],
        "input_references": [{"image_url": {"url": "data:image/png;base64,AA=="}, "type": "image_url"}],
        "provider": provider,
    }


def test_frame_type_is_checked_client_side() -> None:
    with pytest.raises(ValueError, match="frame_type"):
        FrameImage.model_validate({"image_url": {"url": "u"}, "frame_type": "middle_frame"})


def _catalog_row() -> dict[str, Any]:
    catalog = (ROOT / "fixtures" / "models.json").read_text()
    row: dict[str, Any] = VideoModelsList.model_validate_json(catalog).data[0].model_dump()
    return row


@pytest.mark.parametrize(
    "build",
    [
        lambda: VideoRequest(model="m", prompt="p", aspectRatio="16:9"),  # type: ignore[call-arg]
        lambda: VideoRequest.model_validate({"model": "m", "prompt": "p", "surprise": 1}),
        lambda: FrameImage.model_validate({"image_url": {"url": "https://x"}, "frame_type": "first_frame", "x": 1}),
        lambda: ContentPartImage.model_validate({"image_url": {"url": "https://x", "detail": "high"}}),
    ],
    ids=["keyword", "request-body", "frame-image", "image-url"],
)
def test_requests_refuse_unknown_fields_while_responses_keep_them(build: Callable[[], object]) -> None:
    # A typo like `aspectRatio` must fail here, before a request, not become a 400 (or a default).
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        build()
    assert Job.model_validate({"id": "j", "polling_url": "https://x/videos/j", "status": "s", "eta": 1}).model_extra
