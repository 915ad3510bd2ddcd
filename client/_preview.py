"""Request preview: what a request asks of its model that the model's catalog row does not
offer, listed before anything is paid for. Pure functions, no I/O.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from client.models import ContentPartImage, FrameImage, VideoModel, VideoRequest

__all__ = ["Mismatch", "describe_size", "preview"]

# The document's resolutions by their short side in pixels, and its aspect ratios.
SHORT_SIDES: Mapping[str, int] = {
    "480p": 480, "720p": 720, "1080p": 1080, "1K": 1024, "2K": 1440, "4K": 2160,
}  # fmt: skip
ASPECT_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9", "9:21")
RATIO_TOLERANCE = 0.01  # of width / height: 854x480 is 16:9


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
