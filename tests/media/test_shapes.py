from __future__ import annotations

import pytest

from mockserver.media import bitrate_for, dimensions, parse_size


@pytest.mark.parametrize(
    ("resolution", "ratio", "size"),
    [
        ("360p", "16:9", (640, 360)),
        ("480p", "16:9", (854, 480)),  # 853.3 -> the nearest even number
        ("480p", "9:16", (480, 854)),
        ("720p", "16:9", (1280, 720)),
        ("720p", "9:16", (720, 1280)),
        ("720p", "1:1", (720, 720)),
        ("768p", "16:9", (1366, 768)),
        ("1080p", "16:9", (1920, 1080)),
        ("1080p", "9:16", (1080, 1920)),
        ("1080p", "21:9", (2520, 1080)),
        ("1440p", "16:9", (2560, 1440)),
        ("2K", "16:9", (2560, 1440)),
        ("4K", "16:9", (3840, 2160)),
        ("4K", "9:16", (2160, 3840)),
        ("4K", "1:1", (2160, 2160)),
        ("nonsense", "16:9", (1280, 720)),
        ("720p", "bad", (1280, 720)),
    ],
)
def test_resolution_at_aspect_ratio(resolution: str, ratio: str, size: tuple[int, int]) -> None:
    assert dimensions(resolution, ratio) == size


@pytest.mark.parametrize(
    ("text", "size"),
    [("1280x720", (1280, 720)), ("1081x1921", (1080, 1920)), ("9999x9999", (4096, 4096)), ("big", None)],
)
def test_sizes_are_parsed_and_made_even(text: str, size: tuple[int, int] | None) -> None:
    assert parse_size(text) == size


def test_bitrate_scales_with_pixels() -> None:
    assert bitrate_for(1280, 720) == 1_000_000
    assert bitrate_for(1920, 1080) == 2_250_000
    assert bitrate_for(3840, 2160) == 9_000_000
    assert bitrate_for(1280, 720, base=2_000_000) == 2_000_000
