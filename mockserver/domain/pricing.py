"""What a job costs: the catalog's pricing SKU for its variant, times its duration or tokens.

The catalog's SKU names encode the variant (`duration_seconds_with_audio_4k`,
`text_to_video_duration_seconds_720p`, `video_tokens_without_audio`). We try the most specific
name first and fall back to the general one. Prices are decimal strings; money stays `Decimal`
so that the ledger and `usage.cost` agree to the last digit.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from mockserver.domain.catalog import ModelSpec

__all__ = ["FPS", "Variant", "price_job"]

FPS = 24  # frames per second assumed for token-priced models
_COST_PLACES = Decimal("0.0000001")  # the vendor reports costs to 7 decimals


class Variant(NamedTuple):
    """The priced properties of one job (a named tuple: every submit builds one)."""

    duration: int
    resolution: str
    width: int
    height: int
    audio: bool
    image_to_video: bool


def _candidates(variant: Variant) -> list[tuple[str, str]]:
    """(sku, unit) pairs, most specific first; unit is "seconds" or "tokens"."""
    audio = "with_audio" if variant.audio else "without_audio"
    res = variant.resolution.lower()
    mode = "image_to_video" if variant.image_to_video else "text_to_video"
    per_second = [
        f"duration_seconds_{audio}_{res}",
        f"duration_seconds_{audio}",
        f"{mode}_duration_seconds_{res}",
        f"duration_seconds_{res}",
        "duration_seconds",
    ]
    per_token = [f"video_tokens_{audio}_{res}", f"video_tokens_{res}"]
    per_token += [f"video_tokens_{audio}", "video_tokens"]
    return [(sku, "seconds") for sku in per_second] + [(sku, "tokens") for sku in per_token]


def price_job(model: ModelSpec, variant: Variant) -> tuple[Decimal, str | None]:
    """The job's cost in USD and the SKU it was priced by (None and 0 when the model has none)."""
    # Prices never change while serving: each variant priced so far, kept on its model.
    cached = model.priced.get(variant)
    if cached is not None:
        return cached
    if len(model.priced) >= 4096:  # free-form sizes make variants unbounded; keep the cache small
        model.priced.clear()
    priced = model.priced[variant] = _price(model, variant)
    return priced


def _price(model: ModelSpec, variant: Variant) -> tuple[Decimal, str | None]:
    prices = model.prices
    for sku, unit in _candidates(variant):
        if sku in prices:
            rate = Decimal(prices[sku])
            if unit == "seconds":
                amount = Decimal(variant.duration)
            else:
                pixels = variant.width * variant.height
                amount = Decimal(pixels * FPS * variant.duration) / Decimal(1024)
            return (rate * amount).quantize(_COST_PLACES), sku
    return Decimal(0), None
