"""What one job's video must be, read from the job's request and its model's catalog row."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any, NamedTuple

from mockserver.domain.catalog import Catalog
from mockserver.domain.jobs import Job
from mockserver.media._shapes import DEFAULT_BITRATE, FPS, bitrate_for, dimensions, parse_size

__all__ = ["RenderSpec", "image_from_data_url", "spec_for"]

_IMAGE_TYPES = ("image/png", "image/jpeg", "image/jpg")


class RenderSpec(NamedTuple):
    """Everything a video is made from; equal specs give identical bytes."""

    job_id: str
    width: int
    height: int
    seconds: float
    audio: bool
    bitrate: int
    prompt: str = ""
    seed: int | None = None
    first_frame: bytes | None = None  # PNG or JPEG bytes
    last_frame: bytes | None = None

    @property
    def frames(self) -> int:
        return max(1, round(self.seconds * FPS))

    @property
    def key(self) -> str:
        """A digest of every field (images by their own digest): the cache key and the ETag."""
        digest = hashlib.sha256()
        for part in (self.job_id, self.width, self.height, self.frames, self.audio, self.bitrate, self.seed):
            digest.update(repr(part).encode() + b"\0")
        digest.update(self.prompt.encode() + b"\0")
        for image in (self.first_frame, self.last_frame):
            digest.update(hashlib.sha256(image).digest() if image is not None else b"-")
        return digest.hexdigest()[:32]

    @property
    def colour_seed(self) -> bytes:
        """Bytes the job's colours, tone and motion follow from."""
        return hashlib.sha256(f"{self.job_id}\0{self.seed}\0{self.prompt}".encode()).digest()


def image_from_data_url(url: object) -> bytes | None:
    """The bytes of a `data:image/png;base64,...` (or JPEG) URL; None for anything else."""
    if not isinstance(url, str) or url[:5].lower() != "data:":
        return None
    header, _, payload = url[5:].partition(",")
    kind, *params = header.split(";")
    if kind.strip().lower() not in _IMAGE_TYPES or "base64" not in (p.strip().lower() for p in params):
        return None
    try:
        return base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError):
        return None


def _frame_image(request: dict[str, Any], kind: str) -> bytes | None:
    for frame in request.get("frame_images") or ():
        if isinstance(frame, dict) and frame.get("frame_type") == kind:
            image_url = frame.get("image_url")
            return image_from_data_url(image_url.get("url") if isinstance(image_url, dict) else None)
    return None


def _pick(allowed: list[Any] | None, preferred: Any) -> Any:
    # As the validator fills in an omitted field: the preferred value if allowed, else the first.
    return preferred if not allowed or preferred in allowed else allowed[0]


def spec_for(job: Job, catalog: Catalog, base_bitrate: int = DEFAULT_BITRATE) -> RenderSpec:
    """The video a job asked for: its size (or resolution at its aspect ratio), duration and audio."""
    request = job.request
    model = catalog.get(str(request.get("model")))
    size = parse_size(request["size"]) if isinstance(request.get("size"), str) else None
    if size is None:
        allowed = model.allowed("supported_resolutions") if model else None
        resolution = request.get("resolution") or _pick(allowed, "720p")
        size = dimensions(str(resolution), job.aspect_ratio)
    duration = request.get("duration")
    if not isinstance(duration, int | float) or duration <= 0:
        duration = ((model and model.allowed("supported_durations")) or [5])[0]
    audio = request.get("generate_audio", model.audio if model else False) is True
    seed = request.get("seed")
    width, height = size
    return RenderSpec(
        job_id=job.id,
        width=width,
        height=height,
        seconds=float(min(duration, 120)),
        audio=audio,
        bitrate=bitrate_for(width, height, base_bitrate),
        prompt=str(request.get("prompt") or ""),
        seed=seed if isinstance(seed, int) else None,
        first_frame=_frame_image(request, "first_frame"),
        last_frame=_frame_image(request, "last_frame"),
    )
