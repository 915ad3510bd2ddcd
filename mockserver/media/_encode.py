"""One job's MP4, fast: most of it is packets encoded once per shape and repeated.

A video of N frames at 24 fps is three runs of H.264 packets, each opening with an IDR frame
so that they concatenate into one valid stream (same encoder settings give the same SPS/PPS):

1. the intro, `INTRO_FRAMES` frames unique to the job: its first-frame image if it gave one,
   its colours, a box sliding in, its id and prompt in a bitmap font;
2. the loop, `LOOP_FRAMES` frames encoded once per (width, height, bitrate) and repeated (the
   last repeat cut short; without B-frames no frame refers forward, so any prefix decodes);
3. the last frame, the job's last-frame image or an end card.

The AAC track is one 0.53 s block of a steady tone (its period divides the block, so repeats
join without a click), encoded once per tone and repeated. Packets get new timestamps and are
muxed with `+faststart` (moov before mdat).

Determinism: x264 single-threaded, no lookahead, bit-exact container flags, frames painted in
full (padding included): the same spec gives the same bytes with the same PyAV build. x264's
assembly stays on: with the `ultrafast` tools it is bit-exact with the C code (a test checks),
and 4x faster; the fixtures' `asm=0` was needed for preset `slow`, not here.

The rate is constant (x264 `nal-hrd=cbr` pads with filler units), so a file is as large as
the real service's at that bitrate although the synthetic picture costs few bits.
"""

from __future__ import annotations

import io
import math
import os
import tempfile
import threading
from array import array
from collections.abc import Iterable, Iterator
from fractions import Fraction
from functools import lru_cache
from typing import Any

import av
from av.audio.frame import AudioFrame
from av.video.frame import VideoFrame

from mockserver.media._paint import NEUTRAL_LOOK, Canvas, Painter, look_for
from mockserver.media._shapes import FPS
from mockserver.media._spec import RenderSpec

__all__ = ["INTRO_FRAMES", "LOOP_FRAMES", "SAMPLE_RATE", "render_mp4"]

INTRO_FRAMES = 6
LOOP_FRAMES = 12  # half a second: the box laps the frame twice a second
SAMPLE_RATE = 48_000
AUDIO_BITRATE = 128_000
_AAC_FRAME = 1024
_BLOCK_FRAMES = 25  # AAC frames per repeated block: 25600 samples = 0.53 s
# Tone periods in samples: each divides both 48000 and the block, so a table of one period
# repeats exactly (240 Hz to 750 Hz).
_PERIODS = (200, 160, 128, 100, 80, 64)
_VIDEO_TB = Fraction(1, FPS)
_AUDIO_TB = Fraction(1, SAMPLE_RATE)

Packets = list[tuple[bytes, bool]]  # (Annex B access unit, is keyframe)


def _x264_params(bitrate: int) -> str:
    kbit = bitrate // 1000
    return ":".join(
        (
            "threads=1:lookahead-threads=1:sliced-threads=0",  # determinism (see module docstring)
            "bframes=0:keyint=100000:min-keyint=100000:scenecut=0:rc-lookahead=0:sync-lookahead=0",
            # A quarter-second buffer: with a whole second, short runs come out 20% under the rate.
            f"nal-hrd=cbr:vbv-maxrate={kbit}:vbv-bufsize={max(1, kbit // 4)}:force-cfr=1",
        )
    )


def _encode_video(width: int, height: int, bitrate: int, frames: Iterable[VideoFrame]) -> Packets:
    """Packets of one fresh encoder: the first is an IDR with SPS/PPS in band."""
    ctx = av.CodecContext.create("libx264", "w")
    ctx.width, ctx.height, ctx.pix_fmt = width, height, "yuv420p"
    ctx.time_base = _VIDEO_TB
    ctx.framerate = Fraction(FPS)
    ctx.bit_rate = bitrate
    ctx.thread_count = 1
    ctx.options = {"preset": "ultrafast", "x264-params": _x264_params(bitrate), "flags": "+bitexact"}
    packets: Packets = []
    for index, frame in enumerate(frames):
        frame.pts, frame.time_base = index, _VIDEO_TB
        packets += [(bytes(p), p.is_keyframe) for p in ctx.encode(frame)]
    packets += [(bytes(p), p.is_keyframe) for p in ctx.encode(None)]
    return packets


def _strides(width: int, height: int) -> tuple[int, int, int]:
    probe = VideoFrame(width, height, "yuv420p")
    return probe.planes[0].line_size, probe.planes[1].line_size, probe.planes[2].line_size


def _frame(canvas: Canvas) -> VideoFrame:
    frame = VideoFrame(canvas.width, canvas.height, "yuv420p")
    for plane, data in zip(frame.planes, canvas.planes, strict=True):
        plane.update(bytes(data))
    return frame


def _image_planes(data: bytes | None, width: int, height: int, strides: tuple[int, int, int]) -> list[bytes] | None:
    """A PNG or JPEG scaled to the frame as yuv420p planes (stride-padded); None if it will not decode."""
    if data is None:
        return None
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            picture = next(container.decode(video=0))
    except (av.FFmpegError, StopIteration, ValueError):
        return None
    # Into the limited-range BT.601 our frames and players assume (PNG and JPEG are full range).
    scaled = picture.reformat(
        width=width, height=height, format="yuv420p", dst_colorspace="ITU601", dst_color_range=1, threads=1
    )
    planes = []
    for plane, stride, rows in zip(scaled.planes, strides, (height, height // 2, height // 2), strict=True):
        raw = bytes(plane)
        if plane.line_size == stride:
            planes.append(raw[: stride * rows])
        else:  # re-pad each row to the stride of our frames
            visible = plane.width
            planes.append(
                b"".join(
                    raw[y * plane.line_size : y * plane.line_size + visible].ljust(stride, b"\0") for y in range(rows)
                )
            )
    return planes


# --- the runs ---------------------------------------------------------------------------------

_loop_lock = threading.Lock()


@lru_cache(maxsize=16)
def _loop_packets(width: int, height: int, bitrate: int) -> Packets:
    painter = Painter(width, height, _strides(width, height), NEUTRAL_LOOK)
    painter.bake(["MODELGATES MOCK", f"{width}X{height} {FPS} FPS"], height // 2, max(2, height // 60))

    def frames() -> Iterator[VideoFrame]:
        for t in range(LOOP_FRAMES):
            canvas = painter.canvas()
            painter.orbit(canvas, t, LOOP_FRAMES)
            yield _frame(canvas)

    return _encode_video(width, height, bitrate, frames())


def loop_packets(width: int, height: int, bitrate: int) -> Packets:
    with _loop_lock:  # one shape's loop is encoded once even when two renders want it at once
        return _loop_packets(width, height, bitrate)


def _job_lines(spec: RenderSpec) -> list[str]:
    prompt = " ".join(spec.prompt.split())[:32]
    return [spec.job_id[:32], prompt.upper(), f"{spec.width}X{spec.height} {spec.seconds:g}S"]


def _intro_frames(spec: RenderSpec, painter: Painter, count: int) -> Iterator[VideoFrame]:
    image = _image_planes(spec.first_frame, spec.width, spec.height, painter.strides)
    if image is not None:
        yield _frame(Canvas(spec.width, spec.height, painter.strides, [bytearray(p) for p in image]))
    intro = Painter(spec.width, spec.height, painter.strides, painter.look)
    if image is not None:  # the rest of the intro: the image with the job's label and box on it
        intro.set_background(image)
    intro.bake(_job_lines(spec), spec.height * 2 // 3, max(2, spec.height // 90))
    for t in range(1 if image is not None else 0, count):
        canvas = intro.canvas()
        intro.slide(canvas, t, count)
        yield _frame(canvas)


def _last_frame(spec: RenderSpec, painter: Painter) -> VideoFrame:
    image = _image_planes(spec.last_frame, spec.width, spec.height, painter.strides)
    if image is not None:
        return _frame(Canvas(spec.width, spec.height, painter.strides, [bytearray(p) for p in image]))
    canvas = painter.canvas()
    painter.box_at(canvas, (spec.width - painter.box) // 2 // 2 * 2, (spec.height - painter.box) // 4 // 2 * 2)
    canvas.label(["END", spec.job_id[:32]], spec.height * 2 // 3, max(2, spec.height // 60))
    return _frame(canvas)


def video_packets(spec: RenderSpec) -> Packets:
    """All `spec.frames` packets, in order."""
    total = spec.frames
    painter = Painter(spec.width, spec.height, _strides(spec.width, spec.height), look_for(spec.colour_seed))
    intro = min(INTRO_FRAMES, total - 1) if total > 1 else 1
    packets = _encode_video(spec.width, spec.height, spec.bitrate, _intro_frames(spec, painter, intro))
    middle = total - intro - (1 if total > 1 else 0)
    loop = loop_packets(spec.width, spec.height, spec.bitrate) if middle > 0 else []
    while middle > 0:
        packets += loop[:middle]
        middle -= len(loop)
    if total > 1:
        packets += _encode_video(spec.width, spec.height, spec.bitrate, [_last_frame(spec, painter)])
    return packets


# --- audio ------------------------------------------------------------------------------------


def _new_aac() -> av.AudioCodecContext:
    ctx = av.CodecContext.create("aac", "w")
    assert isinstance(ctx, av.AudioCodecContext)
    ctx.sample_rate, ctx.layout, ctx.format = SAMPLE_RATE, "stereo", "fltp"
    ctx.bit_rate = AUDIO_BITRATE
    ctx.options = {"flags": "+bitexact"}
    return ctx


def _tone(period: int) -> bytes:
    """A whole block of a sine with `period` samples, as float32 samples."""
    cycle = array("f", (0.25 * math.sin(2 * math.pi * n / period) for n in range(period)))
    return cycle.tobytes() * (_BLOCK_FRAMES * _AAC_FRAME // period)


@lru_cache(maxsize=len(_PERIODS))
def tone_block(period: int) -> list[bytes]:
    """`_BLOCK_FRAMES` AAC packets of the tone in steady state (the second pass over the block)."""
    ctx = _new_aac()
    block = _tone(period)
    size = _AAC_FRAME * 4  # bytes of one frame of float32 samples
    packets: list[bytes] = []
    for index in range(3 * _BLOCK_FRAMES):
        frame = AudioFrame(format="fltp", layout="stereo", samples=_AAC_FRAME)
        frame.sample_rate, frame.pts = SAMPLE_RATE, index * _AAC_FRAME
        chunk = block[(index % _BLOCK_FRAMES) * size : (index % _BLOCK_FRAMES + 1) * size]
        for plane in frame.planes:
            plane.update(chunk)
        packets += [bytes(p) for p in ctx.encode(frame)]
        if len(packets) >= 2 * _BLOCK_FRAMES:
            break
    return packets[_BLOCK_FRAMES : 2 * _BLOCK_FRAMES]


def audio_packets(spec: RenderSpec) -> list[bytes]:
    block = tone_block(_PERIODS[spec.colour_seed[4] % len(_PERIODS)])
    return [block[i % len(block)] for i in range(math.ceil(_samples(spec) / _AAC_FRAME))]


def _samples(spec: RenderSpec) -> int:
    """Audio samples as long as the video exactly (the last AAC frame's duration is cut to fit)."""
    return spec.frames * SAMPLE_RATE // FPS


# --- the file ---------------------------------------------------------------------------------


def render_mp4(spec: RenderSpec) -> bytes:
    """The job's whole MP4 (blocking: call it off the event loop)."""
    video = video_packets(spec)
    audio = audio_packets(spec) if spec.audio else []
    handle, path = tempfile.mkstemp(prefix="modelgates-render-", suffix=".mp4")
    os.close(handle)
    try:
        _mux(path, spec, video, audio)
        with open(path, "rb") as file:
            return file.read()
    finally:
        os.unlink(path)


def _mux(path: str, spec: RenderSpec, video: Packets, audio: list[bytes]) -> None:
    # `+faststart` moves the moov atom in front of mdat by re-reading the file: it needs a path.
    options = {"movflags": "+faststart", "fflags": "+bitexact"}
    with av.open(path, mode="w", format="mp4", container_options=options) as out:
        vstream = out.add_mux_stream("h264", rate=FPS, width=spec.width, height=spec.height)
        vstream.time_base = _VIDEO_TB
        astream = None
        if audio:
            # An encoder stream is the simple way to get the AAC config into the file; it never encodes.
            astream = out.add_stream("aac", rate=SAMPLE_RATE, layout="stereo")
            astream.codec_context.bit_rate = AUDIO_BITRATE
            astream.codec_context.options = {"flags": "+bitexact"}
            astream.time_base = _AUDIO_TB
        sent = 0  # audio packets muxed so far; each frame is preceded by the audio up to its time
        for index, (data, key) in enumerate(video):
            while astream is not None and sent < len(audio) and sent * _AAC_FRAME * FPS <= index * SAMPLE_RATE:
                out.mux(_audio_packet(spec, audio, sent, astream))
                sent += 1
            out.mux(_packet(data, index, 1, _VIDEO_TB, key, vstream))
        while astream is not None and sent < len(audio):
            out.mux(_audio_packet(spec, audio, sent, astream))
            sent += 1


def _audio_packet(spec: RenderSpec, audio: list[bytes], index: int, stream: av.stream.Stream) -> av.Packet[Any]:
    start = index * _AAC_FRAME
    return _packet(audio[index], start, min(_AAC_FRAME, _samples(spec) - start), _AUDIO_TB, True, stream)


def _packet(
    data: bytes, pts: int, duration: int, time_base: Fraction, key: bool, stream: av.stream.Stream
) -> av.Packet[Any]:
    packet: av.Packet[Any] = av.Packet(data)
    packet.pts = packet.dts = pts
    packet.duration = duration
    packet.time_base = time_base
    packet.is_keyframe = key
    packet.stream = stream
    return packet
