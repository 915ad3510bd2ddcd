"""Which video a job gets, and byte ranges served as a file server would.

With `render="on"` (and PyAV installed) a job gets its own MP4 from `mockserver.media`; else
one of the MP4 fixtures. Those are small (≤ 300 KB each), so they are read once and served
from memory; that keeps downloads fast and lets Range requests slice without touching the disk.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from mockserver._resources import videos_dir
from mockserver.config import MockConfig
from mockserver.domain.catalog import Catalog
from mockserver.domain.errors import ApiError
from mockserver.domain.jobs import Job

if TYPE_CHECKING:  # the media package (with anyio) loads only where videos are rendered
    from mockserver.media import Rendered, Renderer

__all__ = ["Video", "VideoLibrary", "byte_range"]

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
log = logging.getLogger("mockserver")


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
    """One fixture per aspect-ratio family (`fixtures/videos/manifest.json`), or a renderer."""

    def __init__(self, directory: Path | None = None, renderer: Renderer | None = None) -> None:
        folder = directory or videos_dir()
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        self._videos = {ratio: Video(folder / item["file"]) for ratio, item in manifest["files"].items()}
        self._fallback = self._videos[manifest["fallback"]]
        self.renderer = renderer

    @classmethod
    def for_config(cls, config: MockConfig, catalog: Catalog) -> VideoLibrary:
        if config.render != "on":
            return cls()
        from mockserver.media import Renderer, render_available, shared_cache

        if not render_available():
            log.warning("PyAV is not installed: serving fixture videos (pip install 'modelgates-mock[render]')")
            return cls()
        renderer = Renderer(
            catalog=catalog,
            bitrate=config.video_bitrate,
            max_bytes=config.render_cache_bytes,
            directory=config.render_cache_dir,
            cache=shared_cache(config.render_cache_bytes) if config.render_cache_shared else None,
        )
        return cls(renderer=renderer)

    def ready(self, job: Job) -> Video | Rendered | None:
        """The job's video if it needs no rendering now (a fixture, or a render in the cache);
        None: `for_job` renders it. Most downloads are served from here, without a coroutine."""
        if self.renderer is None:
            return self.for_ratio(job.aspect_ratio)
        return self.renderer.cached(job)

    async def for_job(self, job: Job) -> Video | Rendered:
        """The job's own video when rendering, else the fixture of its aspect ratio."""
        if self.renderer is None:
            return self.for_ratio(job.aspect_ratio)
        return await self.renderer.video_for(job)

    async def video_of(self, job: Job) -> bytes:
        """The bytes a completed job downloads as (the dashboard's player shows the same video)."""
        return (await self.for_job(job)).data

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
