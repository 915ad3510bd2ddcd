"""Pydantic models for the ModelGates video API (`openapi/modelgates.yaml`).

Response models are lenient on purpose: unknown fields are kept (`extra="allow"`) and `status`
is a plain `str`, so a field or status the server adds later never breaks an older client.
`JobStatus` names the statuses this client knows about. Request models are strict
(`extra="forbid"`): a typo like `aspectRatio` fails at once, before anything is sent or paid.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "TERMINAL_STATUSES",
    "AudioUrl",
    "ContentPartAudio",
    "ContentPartImage",
    "ContentPartVideo",
    "FrameImage",
    "ImageUrl",
    "Job",
    "JobStatus",
    "Trace",
    "UpscaleFactor",
    "Usage",
    "VideoModel",
    "VideoModelsList",
    "VideoRequest",
    "VideoUrl",
]


class _Model(BaseModel):
    # strict: a wrong JSON type (e.g. "5" for an integer) is a broken response, not something to
    # coerce; extra="allow": new fields from a newer server never break an older client.
    model_config = ConfigDict(extra="allow", strict=True)


class _Request(BaseModel):
    # What this client sends: the API refuses unknown fields, so refuse them before sending.
    model_config = ConfigDict(extra="forbid", strict=True)


class JobStatus(StrEnum):
    """The job statuses the document lists; the server may add others later."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


TERMINAL_STATUSES: frozenset[str] = frozenset(
    {JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.EXPIRED}
)
_KNOWN_STATUSES: frozenset[str] = frozenset(JobStatus)


class ImageUrl(_Request):
    """An `https:` or `data:` image URL."""

    url: str


class FrameImage(_Request):
    """An image that becomes the first or the last frame of the video (seed 004)."""

    image_url: ImageUrl
    type: Literal["image_url"] = "image_url"
    frame_type: Literal["first_frame", "last_frame"]


class ContentPartImage(_Request):
    """A reference image that guides the generation without fixing a frame."""

    image_url: ImageUrl
    type: Literal["image_url"] = "image_url"


class AudioUrl(_Request):
    url: str


class VideoUrl(_Request):
    url: str


class ContentPartAudio(_Request):
    """An audio reference (2026-10; only models that take one, e.g. Seedance 2.x)."""

    audio_url: AudioUrl
    type: Literal["audio_url"] = "audio_url"


class ContentPartVideo(_Request):
    """A video reference (2026-10; Seedance 2.x, and the input of upscaling models)."""

    video_url: VideoUrl
    type: Literal["video_url"] = "video_url"


class Trace(_Model):
    """Observability passthrough (2026-10); extra keys are kept."""

    trace_id: str | None = None
    trace_name: str | None = None
    span_name: str | None = None
    generation_name: str | None = None
    parent_span_id: str | None = None


class VideoRequest(_Request):
    """The body of `POST /videos`. Only `model` is required: 2026-10 lets models that work from
    input alone (frame images, references, a previous job) go without a `prompt`; 2026-06 servers
    require it. Fields added in 2026-10 are refused by 2026-06 servers (400): set them only there."""

    model: str
    prompt: str | None = None
    duration: int | None = None
    resolution: str | None = None
    aspect_ratio: str | None = None
    size: str | None = None
    generate_audio: bool | None = None
    seed: int | None = None
    frame_images: list[FrameImage] | None = None
    input_references: list[ContentPartImage | ContentPartAudio | ContentPartVideo] | None = None
    callback_url: str | None = None
    provider: dict[str, Any] | None = None
    previous_job_id: str | None = None
    session_id: str | None = None
    user: str | None = None
    trace: Trace | None = None
    creativity: int | None = None
    upscale_factor: float | None = None

    def to_body(self) -> dict[str, Any]:
        """The JSON body to send: absent fields are omitted, because the API rejects `null`.

        Only top-level `None`s are dropped; values inside `provider` are passed through as given.
        """
        dumped = self.model_dump(mode="json")
        body = {key: value for key, value in dumped.items() if value is not None}
        if "trace" in body:  # the trace's own unset fields are left out too
            body["trace"] = {key: value for key, value in body["trace"].items() if value is not None}
        return body


class Usage(_Model):
    """Cost of a job, present once it has completed."""

    cost: float | None = None
    is_byok: bool | None = None


class Job(_Model):
    """A video generation job, as returned by submit and by every poll."""

    id: str
    polling_url: str
    status: str
    generation_id: str | None = None
    unsigned_urls: list[str] | None = None
    # 2026-10: signed download URLs, usable without the key until `expires_at` (unix seconds).
    urls: list[str] | None = None
    expires_at: int | None = None
    usage: Usage | None = None
    error: str | None = None

    @property
    def is_terminal(self) -> bool:
        """True once the job will not change any more (completed, failed, cancelled, expired)."""
        return self.status in TERMINAL_STATUSES

    @property
    def is_completed(self) -> bool:
        return self.status == JobStatus.COMPLETED

    @property
    def is_known_status(self) -> bool:
        """False for a status this client version does not know (treated as still running)."""
        return self.status in _KNOWN_STATUSES


class UpscaleFactor(_Model):
    """The upscale factors an upscaling model accepts; either bound may be null."""

    min: float | None
    max: float | None


class VideoModel(_Model):
    """One catalog entry of `GET /videos/models`.

    Keys the document marks as always present are required here too, even when their value may be
    null: a missing key is a broken response, a null is "not supported / not applicable".
    """

    id: str
    canonical_slug: str
    name: str
    created: int
    description: str | None = None
    hugging_face_id: str | None = None
    supported_resolutions: list[str] | None
    supported_aspect_ratios: list[str] | None
    supported_sizes: list[str] | None
    supported_durations: list[int] | None
    supported_frame_images: list[str] | None
    generate_audio: bool | None
    seed: bool | None
    allowed_passthrough_parameters: list[str]
    creativity: list[int] | None
    upscale_factor: UpscaleFactor | None
    pricing_skus: dict[str, str] | None = None


class VideoModelsList(_Model):
    """The body of `GET /videos/models`."""

    data: list[VideoModel]
