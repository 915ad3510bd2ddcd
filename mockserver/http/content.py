"""The MP4 fixtures: which file a job gets, and byte ranges served as a file server would.

The files are small (≤ 300 KB each), so they are read once and served from memory; that keeps
downloads fast and lets Range requests slice without touching the disk again.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from mockserver._resources import videos_dir
from mockserver.domain.errors import ApiError

__all__ = ["Video", "VideoLibrary", "byte_range"]

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


@dataclass(frozen=True)
class Video:
    path: Path

    @cached_property
    def data(self) -> bytes:
        return self.path.read_bytes()

    @cached_property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.data).hexdigest()[:32] + '"'

    @cached_property
    def etag_bytes(self) -> bytes:
        return self.etag.encode()


class VideoLibrary:
    """One video per aspect-ratio family, from `fixtures/videos/manifest.json`."""

    def __init__(self, directory: Path | None = None) -> None:
        folder = directory or videos_dir()
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        self._videos = {ratio: Video(folder / item["file"]) for ratio, item in manifest["files"].items()}
        self._fallback = self._videos[manifest["fallback"]]

    def for_ratio(self, aspect_ratio: str) -> Video:
        return self._videos.get(aspect_ratio, self._fallback)

    @property
    def ratios(self) -> list[str]:
        return list(self._videos)


def _number(digits: str) -> int:
    # Past 18 digits a number lies beyond any video (and int() refuses more than 4300 digits).
    return int(digits) if len(digits) <= 18 else 10**18


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive (start, end) of a single `bytes=` range, or None to send the whole file.

    As RFC 9110 allows, a header we do not support (several ranges, other units, syntax
    errors, start after end) is ignored rather than refused; a range that starts past the end
    is 416 with `Content-Range: bytes */size`.
    """
    match = _RANGE.fullmatch(header.strip()) if header else None
    if match is None or not (match[1] or match[2]):
        return None
    if match[1]:
        start = _number(match[1])
        end = _number(match[2]) if match[2] else size - 1
    else:  # a suffix: the last N bytes; the last 0 bytes can never be satisfied
        start = max(0, size - _number(match[2])) if _number(match[2]) else size
        end = size - 1
    if start >= size:
        raise ApiError(
            416,
            f"Range {header} lies outside the video ({size} bytes)",
            headers={"Content-Range": f"bytes */{size}"},
        )
    return (start, min(end, size - 1)) if end >= start else None
