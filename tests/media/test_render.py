"""Rendered videos decode to what the job asked for (PyAV reads them back)."""

from __future__ import annotations

import base64
from fractions import Fraction

import pytest

from mockserver.domain.catalog import Catalog
from mockserver.media import RenderSpec, bitrate_for, spec_for
from mockserver.media._encode import render_mp4
from tests.media.helpers import first_and_last_rgb, job, mean_abs_diff, png, probe, scaled_rgb

FRAME = 1 / 24
CATALOG = Catalog.load()


def spec(width: int, height: int, seconds: float, audio: bool, job_id: str = "vid_render_test") -> RenderSpec:
    bitrate = bitrate_for(width, height)
    return RenderSpec(job_id, width, height, float(seconds), audio, bitrate, prompt="a glass greenhouse at sunrise")


def test_1080p_8s_with_audio() -> None:
    request = {"model": "google/veo-3.1", "prompt": "p", "resolution": "1080p", "duration": 8, "generate_audio": True}
    video = probe(render_mp4(spec_for(job(request), CATALOG)))
    assert (video.width, video.height, video.fps) == (1920, 1080, Fraction(24))
    assert abs(video.seconds - 8.0) <= FRAME
    assert video.frames == 192
    assert video.audio == ["aac"]


def test_720p_4s_portrait_without_audio() -> None:
    request = {"model": "google/veo-3.1", "prompt": "p", "aspect_ratio": "9:16", "duration": 4, "generate_audio": False}
    video = probe(render_mp4(spec_for(job(request), CATALOG)))
    assert (video.width, video.height) == (720, 1280)
    assert abs(video.seconds - 4.0) <= FRAME and video.frames == 96
    assert video.audio == []
    assert 300_000 <= video.size <= 2_000_000  # ~1 Mbit/s for 4 s


def test_an_explicit_size_wins() -> None:
    request = {"model": "bytedance/seedance-2.0", "prompt": "p", "size": "1280x720", "duration": 4}
    assert spec_for(job(request), CATALOG)[1:3] == (1280, 720)
    video = probe(render_mp4(spec_for(job(request), CATALOG)))
    assert (video.width, video.height, video.frames) == (1280, 720, 96)


def test_omitted_fields_take_the_models_defaults() -> None:
    chosen = spec_for(job({"model": "minimax/hailuo-2.3", "prompt": "p"}), CATALOG)
    assert (chosen.width, chosen.height, chosen.seconds) == (1920, 1080, 6.0)


def test_first_and_last_frame_images_open_and_close_the_video() -> None:
    first = png(320, 180, (200, 30, 30), (30, 30, 200))
    last = png(320, 180, (30, 200, 30), (240, 240, 240))
    request = {
        "model": "google/veo-3.1",
        "prompt": "p",
        "duration": 4,
        "frame_images": [
            {
                "frame_type": "first_frame",
                "image_url": {"url": "data:image/png;base64," + base64.b64encode(first).decode()},
            },
            {
                "frame_type": "last_frame",
                "image_url": {"url": "data:image/png;base64," + base64.b64encode(last).decode()},
            },
        ],
    }
    chosen = spec_for(job(request), CATALOG)
    assert chosen.first_frame == first and chosen.last_frame == last
    got_first, got_last, _ = first_and_last_rgb(render_mp4(chosen))
    assert mean_abs_diff(got_first, scaled_rgb(first, 1280, 720)) < 4
    assert mean_abs_diff(got_last, scaled_rgb(last, 1280, 720)) < 4


def test_two_jobs_differ_and_one_job_is_always_the_same_bytes() -> None:
    one = spec(854, 480, 2, True)
    assert render_mp4(one) == render_mp4(one)
    assert render_mp4(one) != render_mp4(one._replace(job_id="vid_other"))


def test_assembly_is_bit_exact_with_x264s_plain_c_code(monkeypatch: pytest.MonkeyPatch) -> None:
    # What makes the bytes the same on another CPU: x264's SIMD paths give what its C code gives.
    from mockserver.media import _encode

    one = spec(854, 480, 1, False)
    fast = render_mp4(one)
    _encode._loop_packets.cache_clear()
    plain = _encode._x264_params
    monkeypatch.setattr(_encode, "_x264_params", lambda bitrate: plain(bitrate) + ":asm=0")
    assert render_mp4(one) == fast
    _encode._loop_packets.cache_clear()


def test_moov_precedes_mdat() -> None:
    data = render_mp4(spec(640, 360, 1, True))
    assert data[4:8] == b"ftyp" and 0 < data.find(b"moov") < data.find(b"mdat")
