"""Scoring models for selection (seed 003): each model's speed, cost and quality sub-scores,
weighted by a priority profile. Pure functions, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal

from client.models import VideoModel

__all__ = [
    "PRIORITY_PROFILES",
    "RESOLUTION_RANKS",
    "ScoredModel",
    "lowest_advertised_price",
    "resolution_rank",
    "round3",
    "score_models",
    "speed_score",
]

PRIORITY_PROFILES: Mapping[str, Mapping[str, float]] = {
    "fast_and_cheap": {"speed": 0.55, "cost": 0.35, "quality": 0.1},
    "quality_and_cost": {"speed": 0.15, "cost": 0.3, "quality": 0.55},
    "balanced": {"speed": 0.33, "cost": 0.33, "quality": 0.34},
}
RESOLUTION_RANKS: Mapping[str, int] = {"480p": 1, "720p": 2, "1080p": 3, "4K": 4}


def lowest_advertised_price(model: VideoModel) -> float:
    """The smallest numeric price among the model's SKUs, or `inf` when it advertises none.

    SKU units differ (per second, per token), so this is a rough ordering key, not a cost.
    """
    prices = [_as_price(value) for value in (model.pricing_skus or {}).values()]
    return min((p for p in prices if p is not None), default=math.inf)


def _as_price(value: str) -> float | None:
    try:
        price = float(value)
    except ValueError:
        return None
    return price if math.isfinite(price) else None


@dataclass(frozen=True)
class ScoredModel:
    """A model with its weighted score and the three sub-scores (each in 0..1, 3 decimals)."""

    model: VideoModel
    id: str
    score: float
    lowest_advertised_price: float
    speed_score: float
    cost_score: float
    quality_score: float

    def summary(self) -> dict[str, object]:
        """The seed's summary shape: every field but the model itself."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "model"}


def speed_score(model: VideoModel) -> float:
    """A slug heuristic: providers name their quick tiers "fast", "lite" or "std"."""
    slug = model.id.lower()
    if "fast" in slug:
        return 1.0
    if "lite" in slug or "std" in slug:
        return 0.8
    if "pro" in slug or "o1" in slug:
        return 0.35
    return 0.55


def resolution_rank(model: VideoModel) -> int:
    """The rank of the best resolution the model offers (0 when none is known)."""
    return max((RESOLUTION_RANKS.get(r, 0) for r in model.supported_resolutions or ()), default=0)


def score_models(models: Sequence[VideoModel], weights: Mapping[str, float]) -> list[ScoredModel]:
    """Score each model with `weights` (`speed`, `cost`, `quality`); best first, ties stable.

    Cost is the lowest advertised price normalized over `models` and inverted (cheapest = 1);
    quality is the resolution rank over the best rank in `models`. Both are relative, so a
    model's score depends on the set it is scored with.
    """
    prices = [lowest_advertised_price(m) for m in models]
    finite = [p for p in prices if math.isfinite(p)]
    low, high = (min(finite), max(finite)) if finite else (0.0, 0.0)
    best_rank = max((resolution_rank(m) for m in models), default=0)
    scored = [_score(model, price, low, high, best_rank, weights) for model, price in zip(models, prices, strict=True)]
    return sorted(scored, key=lambda s: s.score, reverse=True)


def _score(
    model: VideoModel, price: float, low: float, high: float, best_rank: int, weights: Mapping[str, float]
) -> ScoredModel:
    speed = speed_score(model)
    cost = 1.0 - _normalize(price, low, high) if math.isfinite(price) else 0.0
    quality = 0.5 if best_rank == 0 else resolution_rank(model) / best_rank
    total = weights["speed"] * speed + weights["cost"] * cost + weights["quality"] * quality
    return ScoredModel(model, model.id, round3(total), price, round3(speed), round3(cost), round3(quality))


def _normalize(value: float, low: float, high: float) -> float:
    # Everything costs the same: no model is cheaper, so all sit in the middle (1 - 0.5).
    return 0.5 if high == low else (value - low) / (high - low)


def round3(value: float) -> float:
    """Round to 3 decimals as JavaScript's `toFixed(3)` does: exact value, halves up.

    Python's `round` halves to even (`round(0.0625, 3) == 0.062`); the seed's numbers come
    from `toFixed`, which gives 0.063.
    """
    return float(Decimal(value).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))
