"""Building jobs and specs, and reading MP4s back with PyAV, for the media tests."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

import av
from av.video.frame import VideoFrame

from mockserver.domain.jobs import Job, JobStatus, Phase


def job(request: dict[str, Any], job_id: str = "vid_test000000000001", aspect_ratio: str = "16:9") -> Job:
    return Job(
        id=job_id,
        tenant="sk-test",
        model=str(request.get("model", "")),
        scenario="happy",
        created_at=0.0,
        timeline=(Phase(JobStatus.COMPLETED),),
        request_json=json.dumps(request),
        aspect_ratio=request.get("aspect_ratio", aspect_ratio),
        cost=Decimal(0),
        generation_suffix="x",
    )


class Probe(NamedTuple):
    width: int
    height: int
    fps: Fraction
    seconds: float
    frames: int
    audio: list[str]
    size: int


def probe(data: bytes) -> Probe:
    """Dimensions, rate, duration and the number of frames that actually decode."""
    with av.open(io.BytesIO(data), mode="r") as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video=0))
        seconds = (container.duration or 0) / 1_000_000
        audio = [a.codec_context.name for a in container.streams.audio]
        rate = stream.average_rate or Fraction(0)
        return Probe(stream.width, stream.height, Fraction(rate), seconds, frames, audio, len(data))


def first_and_last_rgb(data: bytes) -> tuple[bytes, bytes, int]:
    """The first and last decoded frames as packed RGB rows, and the row length in bytes."""
    with av.open(io.BytesIO(data), mode="r") as container:
        frames = list(container.decode(video=0))
    first, last = frames[0].to_rgb(), frames[-1].to_rgb()
    width = first.width * 3
    return _packed(first, width), _packed(last, width), width


def _packed(frame: VideoFrame, width: int) -> bytes:
    plane = frame.planes[0]
    raw = bytes(plane)
    return b"".join(raw[y * plane.line_size : y * plane.line_size + width] for y in range(frame.height))


def png(width: int, height: int, left: tuple[int, int, int], right: tuple[int, int, int]) -> bytes:
    """A PNG whose left half is one colour and right half another."""
    row = bytes(left) * (width // 2) + bytes(right) * (width - width // 2)
    frame = VideoFrame(width, height, "rgb24")
    plane = frame.planes[0]
    plane.update(b"".join(row.ljust(plane.line_size, b"\0") for _ in range(height)))
    encoder = av.CodecContext.create("png", "w")
    encoder.width, encoder.height, encoder.pix_fmt = width, height, "rgb24"
    return b"".join(bytes(p) for p in [*encoder.encode(frame), *encoder.encode(None)])


def mean_abs_diff(a: bytes, b: bytes) -> float:
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)


def scaled_rgb(image: bytes, width: int, height: int) -> bytes:
    """An image file decoded and scaled to width x height, as packed RGB rows."""
    with av.open(io.BytesIO(image), mode="r") as container:
        frame = next(container.decode(video=0)).reformat(width=width, height=height, format="rgb24")
    return _packed(frame, width * 3)
