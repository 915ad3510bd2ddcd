"""Model selection reproduces seed 003 on its catalog; preview lists every mismatch."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Literal

import pytest

from client import ModelGates
from client.images import first_frame
from client.models import FrameImage, ImageUrl, VideoModel, VideoModelsList, VideoRequest
from client.select import (
    PRIORITY_PROFILES,
    Mismatch,
    Requirements,
    choose_model,
    filter_models,
    lowest_advertised_price,
    preview,
    round3,
    score_models,
    sort_by_price,
)
from mockserver import MockConfig, SyncASGITransport, VirtualClock, create_app, new_api_key

CATALOG = Path(__file__).resolve().parents[2] / "fixtures" / "models.json"
SEED_REQUIREMENTS = Requirements(resolution="720p", aspect_ratio="9:16", duration=5, frame_images=("first_frame",))

# Seed 003's outputs, verbatim.
SEED_MATCHES = """
[  {    "id": "bytedance/seedance-1-5-pro",    "lowest_advertised_price": 0.0000012  },
{    "id": "bytedance/seedance-2.0-fast",    "lowest_advertised_price": 0.0000056  },
{    "id": "bytedance/seedance-2.0",    "lowest_advertised_price": 0.000007  },
{    "id": "alibaba/wan-2.6",    "lowest_advertised_price": 0.04  },
{    "id": "kwaivgi/kling-v3.0-std",    "lowest_advertised_price": 0.084  },
{    "id": "alibaba/wan-2.7",    "lowest_advertised_price": 0.1  },
{    "id": "kwaivgi/kling-v3.0-pro",    "lowest_advertised_price": 0.112  },
{    "id": "kwaivgi/kling-video-o1",    "lowest_advertised_price": 0.112  }]
"""
SEED_SCORES = """
{  "fast_and_cheap": [    {      "id": "bytedance/seedance-2.0-fast",      "score": 0.967,
"lowest_advertised_price": 0.0000056,      "speed_score": 1,      "cost_score": 1,
"quality_score": 0.667    },    {      "id": "bytedance/seedance-2.0",      "score": 0.752,
"lowest_advertised_price": 0.000007,      "speed_score": 0.55,      "cost_score": 1,
"quality_score": 1    },    {      "id": "bytedance/seedance-1-5-pro",      "score": 0.642,
"lowest_advertised_price": 0.0000012,      "speed_score": 0.35,      "cost_score": 1,
"quality_score": 1    },    {      "id": "alibaba/wan-2.6",      "score": 0.628,
"lowest_advertised_price": 0.04,      "speed_score": 0.55,      "cost_score": 0.643,
"quality_score": 1    }  ],  "quality_and_cost": [    {      "id": "bytedance/seedance-2.0",
"score": 0.932,      "lowest_advertised_price": 0.000007,      "speed_score": 0.55,
"cost_score": 1,      "quality_score": 1    },    {      "id": "bytedance/seedance-1-5-pro",
"score": 0.903,      "lowest_advertised_price": 0.0000012,      "speed_score": 0.35,
"cost_score": 1,      "quality_score": 1    },    {      "id": "alibaba/wan-2.6",
"score": 0.825,      "lowest_advertised_price": 0.04,      "speed_score": 0.55,
"cost_score": 0.643,      "quality_score": 1    },    {      "id": "bytedance/seedance-2.0-fast",
"score": 0.817,      "lowest_advertised_price": 0.0000056,      "speed_score": 1,
"cost_score": 1,      "quality_score": 0.667    }  ]}
"""


@pytest.fixture(scope="module")
def catalog() -> dict[str, VideoModel]:
    models = VideoModelsList.model_validate_json(CATALOG.read_text()).data
    return {model.id: model for model in models}


def model_with(**fields: Any) -> VideoModel:
    base: dict[str, Any] = {
        "id": "acme/video",
        "canonical_slug": "acme/video-20260101",
        "name": "Acme: Video",
        "created": 0,
        "supported_resolutions": None,
        "supported_aspect_ratios": None,
        "supported_sizes": None,
        "supported_durations": None,
        "supported_frame_images": None,
        "generate_audio": None,
        "seed": None,
        "allowed_passthrough_parameters": [],
        "creativity": None,
        "upscale_factor": None,
    }
    return VideoModel.model_validate(base | fields)


# --- seed 003 ---------------------------------------------------------------------------------


def test_filter_and_sort_reproduce_the_seed(catalog: dict[str, VideoModel]) -> None:
    matches = sort_by_price(filter_models(catalog.values(), SEED_REQUIREMENTS))
    summary = [{"id": m.id, "lowest_advertised_price": lowest_advertised_price(m)} for m in matches]
    assert summary == json.loads(SEED_MATCHES)


def test_scores_reproduce_the_seed(catalog: dict[str, VideoModel]) -> None:
    matches = sort_by_price(filter_models(catalog.values(), SEED_REQUIREMENTS))
    summaries = {
        name: [scored.summary() for scored in score_models(matches, PRIORITY_PROFILES[name])[:4]]
        for name in ("fast_and_cheap", "quality_and_cost")
    }
    assert summaries == json.loads(SEED_SCORES)


def test_choose_model_picks_the_seeds_model(catalog: dict[str, VideoModel]) -> None:
    chosen = choose_model(catalog.values(), SEED_REQUIREMENTS)
    assert chosen is not None
    assert chosen.id == "bytedance/seedance-2.0-fast"


def test_choose_model_returns_none_when_nothing_matches(catalog: dict[str, VideoModel]) -> None:
    assert choose_model(catalog.values(), Requirements(duration=99)) is None


def test_profiles_are_the_seeds_weights() -> None:
    assert PRIORITY_PROFILES["balanced"] == {"speed": 0.33, "cost": 0.33, "quality": 0.34}
    assert all(math.isclose(sum(w.values()), 1.0) for w in PRIORITY_PROFILES.values())


# --- filtering and pricing --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requirements", "expected"),
    [
        (Requirements(), 13),
        (Requirements(duration=7), 6),  # discrete sets: veo and o1 lack 7
        (Requirements(frame_images=("first_frame", "last_frame")), 10),
        (Requirements(resolution="4K"), 2),
        (Requirements(audio=True, seed=True), 8),
        (Requirements(aspect_ratio="21:9", resolution="1080p"), 2),
    ],
)
def test_filter_counts(catalog: dict[str, VideoModel], requirements: Requirements, expected: int) -> None:
    assert len(filter_models(catalog.values(), requirements)) == expected


def test_null_capabilities_offer_nothing() -> None:
    bare = model_with()
    assert filter_models([bare], Requirements()) == [bare]
    assert filter_models([bare], Requirements(frame_images=("first_frame",))) == []
    assert filter_models([bare], Requirements(seed=True)) == []


@pytest.mark.parametrize(
    ("skus", "expected"),
    [
        (None, math.inf),
        ({}, math.inf),
        ({"a": "0.30", "b": "0.1120"}, 0.112),
        ({"a": "n/a", "b": "0.5", "c": "NaN", "d": "inf"}, 0.5),
        ({"a": "free"}, math.inf),
    ],
)
def test_lowest_advertised_price(skus: dict[str, str] | None, expected: float) -> None:
    assert lowest_advertised_price(model_with(pricing_skus=skus)) == expected


def test_scoring_without_prices_or_resolutions() -> None:
    a = model_with(id="x/one-fast")
    b = model_with(id="x/two", pricing_skus={"s": "1"})
    scored = score_models([b, a], PRIORITY_PROFILES["balanced"])
    # No resolutions at all: quality 0.5; a single price: cost 0.5; unpriced: cost 0.
    assert [(s.id, s.cost_score, s.quality_score) for s in scored] == [
        ("x/two", 0.5, 0.5),  # 0.517
        ("x/one-fast", 0.0, 0.5),  # 0.5, despite the best speed
    ]


def test_round3_halves_up_like_javascript() -> None:
    assert round3(0.0625) == 0.063
    assert round3(0.96665) == 0.967
    assert round3(1.0) == 1.0


# --- preview ----------------------------------------------------------------------------------


def frame(kind: Literal["first_frame", "last_frame"]) -> FrameImage:
    return FrameImage(image_url=ImageUrl(url=f"https://example.com/{kind}.jpg"), frame_type=kind)


def request(model: str, **fields: Any) -> VideoRequest:
    return VideoRequest(model=model, prompt="a shot", **fields)


LITE = "google/veo-3.1-lite"
HAILUO = "minimax/hailuo-2.3"


@pytest.mark.parametrize(
    ("model", "fields", "expected"),
    [
        (LITE, {"duration": 4, "resolution": "720p", "aspect_ratio": "16:9"}, []),
        (LITE, {"generate_audio": False, "seed": 7, "frame_images": [frame("last_frame")]}, []),
        (LITE, {"duration": 5}, [("duration", 5, (8, 4, 6))]),
        (LITE, {"resolution": "4K"}, [("resolution", "4K", ("720p", "1080p"))]),
        (LITE, {"aspect_ratio": "1:1"}, [("aspect_ratio", "1:1", ("16:9", "9:16"))]),
        (HAILUO, {"size": "1280x720"}, [("size", "1280x720", ("1920x1080",))]),
        (
            HAILUO,
            {"frame_images": [frame("last_frame")]},
            [("frame_images", "last_frame", ("first_frame",))],
        ),
        (
            "openai/sora-2-pro",
            {"frame_images": [frame("first_frame")]},
            [("frame_images", "first_frame", ())],
        ),
        (HAILUO, {"generate_audio": False}, [("generate_audio", False, ())]),
        (HAILUO, {"seed": 1}, [("seed", 1, ())]),
        ("kwaivgi/kling-video-o1", {"seed": 0}, [("seed", 0, ())]),
        ("kwaivgi/kling-video-o1", {"duration": 10}, []),
        (
            LITE,
            {"frame_images": [frame("first_frame"), frame("first_frame")]},
            [("frame_images", "first_frame", ("first_frame", "last_frame"))],
        ),
        (
            LITE,
            {"size": "1280x720", "resolution": "720p", "aspect_ratio": "9:16"},
            [("aspect_ratio", "9:16", ("16:9",))],
        ),
        (
            LITE,
            {"size": "1920x1080", "resolution": "720p", "aspect_ratio": "16:9"},
            [("resolution", "720p", ("1080p",))],
        ),
        (LITE, {"size": "720x1280", "resolution": "720p", "aspect_ratio": "9:16"}, []),
        (
            "bytedance/seedance-2.0",
            {"size": "854x480", "resolution": "480p", "aspect_ratio": "16:9"},
            [],
        ),
    ],
)
def test_preview_table(
    catalog: dict[str, VideoModel],
    model: str,
    fields: dict[str, Any],
    expected: list[tuple[str, object, tuple[object, ...]]],
) -> None:
    found = preview(request(model, **fields), catalog[model])
    assert [(m.parameter, m.value, m.allowed) for m in found] == expected


@pytest.mark.parametrize(
    ("size", "resolution", "aspect_ratio", "expected"),
    [
        (
            "1000x1000",
            "720p",
            "16:9",
            [("resolution", "720p", ()), ("aspect_ratio", "16:9", ("1:1",))],
        ),
        ("1234x567", None, "16:9", [("aspect_ratio", "16:9", ("1234:567",))]),
        ("2160x3840", "4K", "9:16", []),
        ("1440x1440", "2K", None, []),
        ("1280x0", "720p", None, []),  # malformed: only the server's schema can judge it
    ],
)
def test_size_must_agree_with_resolution_and_aspect_ratio(
    size: str, resolution: str | None, aspect_ratio: str | None, expected: list[object]
) -> None:
    model = model_with(
        supported_sizes=[size],
        supported_resolutions=[resolution or "720p"],
        supported_aspect_ratios=[aspect_ratio or "16:9"],
    )
    fields = {"size": size, "resolution": resolution, "aspect_ratio": aspect_ratio}
    found = preview(request("acme/video", **fields), model)
    assert [(m.parameter, m.value, m.allowed) for m in found] == expected


def test_image_urls_must_be_https_or_data(catalog: dict[str, VideoModel]) -> None:
    part = FrameImage(image_url=ImageUrl(url="http://127.0.0.1/a.png"), frame_type="first_frame")
    found = preview(request(LITE, frame_images=[part]), catalog[LITE])
    assert [(m.parameter, m.value) for m in found] == [("frame_images", "http://127.0.0.1/a.png")]


def test_preview_lists_every_mismatch_at_once(catalog: dict[str, VideoModel]) -> None:
    bad = request(
        HAILUO,
        duration=5,
        resolution="720p",
        aspect_ratio="9:16",
        size="720x1280",
        generate_audio=True,
        seed=3,
        frame_images=[frame("first_frame"), frame("last_frame"), frame("last_frame")],
    )
    found = preview(bad, catalog[HAILUO])
    assert [m.parameter for m in found] == [
        "duration", "resolution", "aspect_ratio", "size",
        "frame_images", "frame_images", "generate_audio", "seed",
    ]  # fmt: skip


def test_preview_of_another_model_and_message(catalog: dict[str, VideoModel]) -> None:
    found = preview(request(HAILUO, duration=8), catalog[LITE])
    assert [m.parameter for m in found] == ["model"]
    message = str(preview(request(LITE, duration=5), catalog[LITE])[0])
    assert message == "duration=5: not supported by this model (allowed: 8, 4, 6)"
    assert "allowed: none" in str(Mismatch("seed", 1, (), "no"))


# --- the seed 003 flow through the client, against the mock in-process ------------------------


def test_seed_003_flow_against_the_mock(tmp_path: Path) -> None:
    clock = VirtualClock()
    app = create_app(MockConfig(scenario="happy"), clock=clock)
    settings: dict[str, Any] = {"base_url": "http://testserver/api/v1", "api_key": new_api_key(3)}
    with ModelGates(transport=SyncASGITransport(app), sleep=clock.advance, clock=clock.now, **settings) as mg:
        model = choose_model(mg.list_models(), SEED_REQUIREMENTS)
        assert model is not None and model.id == "bytedance/seedance-2.0-fast"
        seed_request = request(
            model.id,
            duration=5,
            resolution="720p",
            aspect_ratio="9:16",
            frame_images=[first_frame("data:image/png;base64,iVBORw0KGgo=")],
        )
        assert preview(seed_request, model) == []
        job = mg.generate(seed_request, to=tmp_path / "mug.mp4")
    assert job.status == "completed"
    assert (tmp_path / "mug.mp4").read_bytes()[4:8] == b"ftyp"
