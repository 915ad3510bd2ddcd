"""Videos that match the request: H.264/AAC MP4s of the job's size, duration and audio.

Pure media code: it imports only the domain (`mockserver.jobs`, `mockserver.catalog`), never
the HTTP layer. PyAV is needed only when a video is actually rendered (`render_available`).
"""

from __future__ import annotations

from mockserver.media._cache import DEFAULT_CACHE_BYTES, ByteLRU, Rendered, shared_cache
from mockserver.media._renderer import RENDER_VERSION, Renderer, render_available
from mockserver.media._shapes import DEFAULT_BITRATE, FPS, SHORT_SIDE, bitrate_for, dimensions, parse_size
from mockserver.media._spec import RenderSpec, image_from_data_url, spec_for

__all__ = [
    "DEFAULT_BITRATE",
    "DEFAULT_CACHE_BYTES",
    "FPS",
    "RENDER_VERSION",
    "SHORT_SIDE",
    "ByteLRU",
    "RenderSpec",
    "Rendered",
    "Renderer",
    "bitrate_for",
    "dimensions",
    "image_from_data_url",
    "parse_size",
    "render_available",
    "shared_cache",
    "spec_for",
]
