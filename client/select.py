"""Model selection (seed 003) and request preview: pure functions, no I/O.

Flow: `filter_models` keeps the models that can run the clip, `score_models` ranks them with a
priority profile, `choose_model` does both, and `preview` lists what a request asks of its model
that the model's catalog row does not offer, before anything is paid for.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlsplit

from client.models import ContentPartImage, FrameImage, VideoModel, VideoRequest

__all__ = [
    "PRIORITY_PROFILES",
    "RESOLUTION_RANKS",
    "Mismatch",
    "Requirements",
    "ScoredModel",
    "choose_model",
    "describe_size",
    "filter_models",
    "lowest_advertised_price",
    "preview",
    "resolution_rank",
    "round3",
    "score_models",
    "sort_by_price",
    "speed_score",
]

PRIORITY_PROFILES: Mapping[str, Mapping[str, float]] = {
    "fast_and_cheap": {"speed": 0.55, "cost": 0.35, "quality": 0.1},
    "quality_and_cost": {"speed": 0.15, "cost": 0.3, "quality": 0.55},
    "balanced": {"speed": 0.33, "cost": 0.33, "quality": 0.34},
}
RESOLUTION_RANKS: Mapping[str, int] = {"480p": 1, "720p": 2, "1080p": 3, "4K": 4}
# The document's resolutions by their short side in pixels, and its aspect ratios.
SHORT_SIDES: Mapping[str, int] = {
    "480p": 480, "720p": 720, "1080p": 1080, "1K": 1024, "2K": 1440, "4K": 2160,
}  # fmt: skip
ASPECT_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9", "9:21")
RATIO_TOLERANCE = 0.01  # of width / height: 854x480 is 16:9


@dataclass(frozen=True, kw_only=True)
class Requirements:
    """Hard requirements of a clip. `None` / `False` / empty means "no requirement"."""

    resolution: str | None = None
    aspect_ratio: str | None = None
    duration: int | None = None
    frame_images: tuple[str, ...] = ()
    audio: bool = False
    seed: bool = False

    def accepts(self, model: VideoModel) -> bool:
        """True when `model`'s catalog row offers every requirement (null lists offer nothing)."""
        return (
            _offers(model.supported_resolutions, self.resolution)
            and _offers(model.supported_aspect_ratios, self.aspect_ratio)
            and _offers(model.supported_durations, self.duration)
            and all(_offers(model.supported_frame_images, f) for f in self.frame_images)
            and (not self.audio or model.generate_audio is True)
            and (not self.seed or model.seed is True)
        )


def _offers(supported: Sequence[object] | None, wanted: object | None) -> bool:
    return wanted is None or wanted in (supported or ())


def filter_models(models: Iterable[VideoModel], requirements: Requirements) -> list[VideoModel]:
    """The models that satisfy `requirements`, in their input order."""
    return [model for model in models if requirements.accepts(model)]


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


def sort_by_price(models: Iterable[VideoModel]) -> list[VideoModel]:
    """Cheapest advertised price first; ties keep their input (catalog) order."""
    return sorted(models, key=lowest_advertised_price)


# --- scoring ---------------------------------------------------------------------------------


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


def choose_model(
    models: Iterable[VideoModel],
    requirements: Requirements,
    weights: Mapping[str, float] = PRIORITY_PROFILES["fast_and_cheap"],
) -> VideoModel | None:
    """The best-scoring model that meets `requirements`, or None when no model does."""
    ranked = score_models(sort_by_price(filter_models(models, requirements)), weights)
    return ranked[0].model if ranked else None


# --- preview ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    """One thing a request asks for that its model does not offer."""

    parameter: str
    value: object
    allowed: tuple[object, ...]
    reason: str

    def __str__(self) -> str:
        allowed = ", ".join(map(str, self.allowed)) if self.allowed else "none"
        return f"{self.parameter}={self.value!r}: {self.reason} (allowed: {allowed})"


def preview(request: VideoRequest, model: VideoModel) -> list[Mismatch]:
    """Every capability mismatch of `request` against `model`'s catalog row; empty when none.

    The server refuses each of these with a 400; listing them all at once saves a round trip
    per fix. `supported_durations` is a discrete, unsorted set, so it is matched by membership.
    """
    return [
        *_check_model(request, model),
        *_check_listed("duration", request.duration, model.supported_durations),
        *_check_listed("resolution", request.resolution, model.supported_resolutions),
        *_check_listed("aspect_ratio", request.aspect_ratio, model.supported_aspect_ratios),
        *_check_listed("size", request.size, model.supported_sizes),
        *_check_size_agreement(request),
        *_check_frames(request, model),
        *_check_image_urls(request),
        *_check_flag("generate_audio", request.generate_audio, model.generate_audio),
        *_check_flag("seed", request.seed, model.seed),
    ]


def _check_model(request: VideoRequest, model: VideoModel) -> list[Mismatch]:
    if request.model == model.id:
        return []
    return [Mismatch("model", request.model, (model.id,), "request is for another model")]


def _check_listed(parameter: str, value: object | None, supported: Sequence[object] | None) -> list[Mismatch]:
    if value is None or value in (supported or ()):
        return []
    reason = "not supported by this model" if supported else "this model offers no choice here"
    return [Mismatch(parameter, value, tuple(supported or ()), reason)]


def _check_frames(request: VideoRequest, model: VideoModel) -> list[Mismatch]:
    kinds = [frame.frame_type for frame in request.frame_images or ()]
    allowed = tuple(model.supported_frame_images or ())
    unsupported = [
        Mismatch("frame_images", kind, allowed, "frame type not supported by this model")
        for kind in dict.fromkeys(kinds)
        if kind not in allowed
    ]
    duplicates = [
        Mismatch("frame_images", kind, allowed, f"{count} images for the same frame type")
        for kind, count in Counter(kinds).items()
        if count > 1
    ]
    return unsupported + duplicates


def _check_image_urls(request: VideoRequest) -> list[Mismatch]:
    # Providers fetch images themselves, over https only; data: URLs travel inside the body.
    parts = {"frame_images": request.frame_images, "input_references": request.input_references}
    urls = [
        (name, part.image_url.url)
        for name, given in parts.items()
        for part in given or ()
        if isinstance(part, FrameImage | ContentPartImage)  # audio and video references are not images
    ]
    return [
        Mismatch(name, url, ("https:", "data:"), "not an https: or data: URL")
        for name, url in urls
        if urlsplit(url).scheme.lower() not in ("https", "data")
    ]


def _check_flag(parameter: str, value: object | None, flag: bool | None) -> list[Mismatch]:
    # The API refuses the parameter itself (even `false`) when the model lacks the capability.
    if value is None or flag is True:
        return []
    return [Mismatch(parameter, value, (), "this model does not accept this parameter")]


def _check_size_agreement(request: VideoRequest) -> list[Mismatch]:
    """`size` fixes the frame, so a `resolution` or `aspect_ratio` sent with it must agree."""
    dims = _parse_size(request.size)
    if dims is None:
        return []
    resolution, ratio = describe_size(*dims)
    reason = f"contradicts size {request.size}"
    found = []
    if request.resolution is not None and request.resolution != resolution:
        allowed = (resolution,) if resolution else ()
        found.append(Mismatch("resolution", request.resolution, allowed, reason))
    if request.aspect_ratio is not None and not _ratio_fits(dims, request.aspect_ratio):
        found.append(Mismatch("aspect_ratio", request.aspect_ratio, (ratio,), reason))
    return found


def describe_size(width: int, height: int) -> tuple[str | None, str]:
    """The named resolution (by its short side) and the aspect ratio of a pixel size."""
    resolution = next((name for name, side in SHORT_SIDES.items() if side == min(width, height)), None)
    ratio = next((r for r in ASPECT_RATIOS if _ratio_fits((width, height), r)), None)
    if ratio is None:
        divisor = math.gcd(width, height)
        ratio = f"{width // divisor}:{height // divisor}"
    return resolution, ratio


def _parse_size(size: str | None) -> tuple[int, int] | None:
    width, sep, height = (size or "").partition("x")
    if not (sep and width.isdigit() and height.isdigit() and int(width) and int(height)):
        return None
    return int(width), int(height)


def _ratio_fits(dims: tuple[int, int], aspect_ratio: str) -> bool:
    wide, sep, high = aspect_ratio.partition(":")
    if not (sep and wide.isdigit() and high.isdigit() and int(high)):
        return False
    return abs(dims[0] / dims[1] - int(wide) / int(high)) < RATIO_TOLERANCE
