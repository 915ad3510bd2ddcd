"""Pixel sizes and bitrates: what a job's resolution, aspect ratio or size comes out as.

Rule for the long side: `round(short * a / b / 2) * 2`, the nearest even number (H.264 in
4:2:0 needs even sides), the same arithmetic as `catalog.size_for`: 480p 16:9 is 854x480,
768p 16:9 is 1366x768. An explicit `size` wins; an odd side in it is rounded down to even.
"""

from __future__ import annotations

import re

__all__ = ["DEFAULT_BITRATE", "FPS", "SHORT_SIDE", "bitrate_for", "dimensions", "parse_size"]

FPS = 24

# Short side of each named resolution, including the names a later API version adds.
SHORT_SIDE: dict[str, int] = {
    "360p": 360,
    "480p": 480,
    "540p": 540,
    "720p": 720,
    "768p": 768,
    "1K": 1024,
    "1080p": 1080,
    "1440p": 1440,
    "2K": 1440,
    "2160p": 2160,
    "4K": 2160,
}

# Bits per second at 1280x720; other sizes scale by pixel count (1080p 2.25x, 4K 9x).
DEFAULT_BITRATE = 1_000_000
_REFERENCE_PIXELS = 1280 * 720
_MIN_BITRATE = 100_000

_SIZE = re.compile(r"([0-9]{2,5})[xX*]([0-9]{2,5})")
_RATIO = re.compile(r"([0-9]{1,3}):([0-9]{1,3})")
_MAX_SIDE = 4096  # x264 level 5.2 and a bounded render; larger requests are clamped


def _even(value: int) -> int:
    return max(2, min(_MAX_SIDE, value - value % 2))


def parse_size(size: str) -> tuple[int, int] | None:
    """`"1280x720"` as (1280, 720), sides made even; None when it is not a size."""
    match = _SIZE.fullmatch(size.strip())
    if match is None:
        return None
    return _even(int(match[1])), _even(int(match[2]))


def dimensions(resolution: str, aspect_ratio: str) -> tuple[int, int]:
    """(width, height) of a named resolution at an aspect ratio; 720p and 16:9 stand in for unknowns."""
    short = SHORT_SIDE.get(resolution, SHORT_SIDE.get(resolution.lower(), 720))
    match = _RATIO.fullmatch(aspect_ratio.strip())
    a, b = (int(match[1]), int(match[2])) if match and int(match[1]) and int(match[2]) else (16, 9)
    if a >= b:
        return _even(round(short * a / b / 2) * 2), short
    return short, _even(round(short * b / a / 2) * 2)


def bitrate_for(width: int, height: int, base: int = DEFAULT_BITRATE) -> int:
    """Video bits per second: `base` at 720p, scaled by pixel count, rounded to 1 kbit/s."""
    scaled = base * width * height / _REFERENCE_PIXELS
    return max(_MIN_BITRATE, round(scaled / 1000) * 1000)
