from __future__ import annotations

import json
from decimal import Decimal

import pytest

from mockserver._resources import catalog_path
from mockserver.domain.catalog import Catalog, describe_size, size_for
from mockserver.domain.pricing import Variant, price_job

CATALOG = Catalog.load()
SEED_003_IDS = [
    "kwaivgi/kling-v3.0-pro",
    "kwaivgi/kling-v3.0-std",
    "google/veo-3.1-fast",
    "google/veo-3.1-lite",
    "kwaivgi/kling-video-o1",
    "minimax/hailuo-2.3",
    "bytedance/seedance-2.0",
    "bytedance/seedance-2.0-fast",
    "alibaba/wan-2.7",
    "alibaba/wan-2.6",
    "bytedance/seedance-1-5-pro",
    "openai/sora-2-pro",
    "google/veo-3.1",
]
ALWAYS = {
    "id",
    "canonical_slug",
    "name",
    "created",
    "supported_resolutions",
    "supported_aspect_ratios",
    "supported_sizes",
    "supported_durations",
    "supported_frame_images",
    "generate_audio",
    "seed",
    "allowed_passthrough_parameters",
    "creativity",
    "upscale_factor",
}


def test_catalog_is_the_seeds_13_models_newest_first_with_every_required_key() -> None:
    rows = json.loads(catalog_path().read_text())["data"]
    assert [row["id"] for row in rows] == SEED_003_IDS
    assert all(set(row) >= ALWAYS for row in rows)
    assert [row["created"] for row in rows] == sorted((row["created"] for row in rows), reverse=True)
    assert all(row["canonical_slug"].startswith(row["id"] + "-") for row in rows)
    assert all(isinstance(price, str) for row in rows for price in row["pricing_skus"].values())


def test_veo_lite_durations_keep_the_providers_unsorted_order() -> None:
    lite = CATALOG.get("google/veo-3.1-lite")
    assert lite is not None and lite.allowed("supported_durations") == [8, 4, 6]


@pytest.mark.parametrize(
    ("resolution", "ratio", "size"),
    [
        ("720p", "16:9", (1280, 720)),
        ("1080p", "9:16", (1080, 1920)),
        ("4K", "16:9", (3840, 2160)),
        ("480p", "16:9", (854, 480)),
        ("720p", "21:9", (1680, 720)),
        ("720p", "1:1", (720, 720)),
    ],
)
def test_size_for_and_back(resolution: str, ratio: str, size: tuple[int, int]) -> None:
    assert size_for(resolution, ratio) == size
    assert describe_size(*size) == (resolution, ratio)


def variant(duration: int = 4, resolution: str = "720p", audio: bool = False, i2v: bool = False) -> Variant:
    width, height = size_for(resolution, "16:9")
    return Variant(duration, resolution, width, height, audio, i2v)


@pytest.mark.parametrize(
    ("model", "v", "cost", "sku"),
    [
        ("google/veo-3.1-lite", variant(4, "720p", False), "0.12", "duration_seconds_without_audio_720p"),
        ("google/veo-3.1-lite", variant(8, "1080p", True), "0.64", "duration_seconds_with_audio"),
        ("google/veo-3.1", variant(8, "4K", True), "4.8", "duration_seconds_with_audio_4k"),
        ("google/veo-3.1-fast", variant(4, "720p", True), "0.4", "duration_seconds_with_audio_720p"),
        ("kwaivgi/kling-v3.0-pro", variant(5, "720p", True), "0.84", "duration_seconds_with_audio"),
        ("kwaivgi/kling-v3.0-pro", variant(5, "720p", False, True), "0.56", "image_to_video_duration_seconds_720p"),
        ("alibaba/wan-2.6", variant(5, "1080p", False), "0.6", "text_to_video_duration_seconds_1080p"),
        ("openai/sora-2-pro", variant(4, "1080p", True), "2", "duration_seconds_1080p"),
        ("minimax/hailuo-2.3", variant(6, "1080p", False), "0.4902", "duration_seconds"),
        # tokens = 1280 * 720 * 24 fps * 4 s / 1024 = 86,400
        ("bytedance/seedance-2.0-fast", variant(4, "720p", True), "0.48384", "video_tokens"),
        ("bytedance/seedance-1-5-pro", variant(4, "720p", False), "0.10368", "video_tokens_without_audio"),
    ],
)
def test_price_uses_the_most_specific_sku(model: str, v: Variant, cost: str, sku: str) -> None:
    spec = CATALOG.get(model)
    assert spec is not None
    assert price_job(spec, v) == (Decimal(cost).quantize(Decimal("0.0000001")), sku)
