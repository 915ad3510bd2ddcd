"""Model selection (seed 003) and request preview: pure functions, no I/O.

Flow: `filter_models` keeps the models that can run the clip, `score_models` ranks them with a
priority profile, `choose_model` does both, and `preview` lists what a request asks of its model
that the model's catalog row does not offer, before anything is paid for.

This module selects; scoring lives in `client._scoring` and the preview in `client._preview`,
and both are re-exported here (and from `client`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from client._preview import Mismatch, describe_size, preview
from client._scoring import (
    PRIORITY_PROFILES,
    RESOLUTION_RANKS,
    ScoredModel,
    lowest_advertised_price,
    resolution_rank,
    round3,
    score_models,
    speed_score,
)
from client.models import VideoModel

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


def sort_by_price(models: Iterable[VideoModel]) -> list[VideoModel]:
    """Cheapest advertised price first; ties keep their input (catalog) order."""
    return sorted(models, key=lowest_advertised_price)


def choose_model(
    models: Iterable[VideoModel],
    requirements: Requirements,
    weights: Mapping[str, float] = PRIORITY_PROFILES["fast_and_cheap"],
) -> VideoModel | None:
    """The best-scoring model that meets `requirements`, or None when no model does."""
    ranked = score_models(sort_by_price(filter_models(models, requirements)), weights)
    return ranked[0].model if ranked else None
