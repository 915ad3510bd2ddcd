"""Rendering off the event loop: one render per video however many ask, results cached.

`Renderer.video_for(job)` is what the content route awaits. A video already in memory costs
two dict lookups; otherwise the first request starts the render in a worker thread (at most
`concurrency` at once) and every other request for the same video waits for that one.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import anyio
import anyio.to_thread

from mockserver.domain.catalog import Catalog
from mockserver.domain.jobs import Job
from mockserver.media._cache import DEFAULT_CACHE_BYTES, ByteLRU, Rendered
from mockserver.media._shapes import DEFAULT_BITRATE
from mockserver.media._spec import RenderSpec, spec_for

__all__ = ["RENDER_VERSION", "Renderer", "render_available"]

logger = logging.getLogger("mockserver.media")

# Part of every cache key: bump it whenever the same spec should come out as other bytes.
RENDER_VERSION = "1"
_MEMO_SIZE = 10_000

Encode = Callable[[RenderSpec], bytes]


def render_available() -> bool:
    """True when PyAV is installed. Only looked up, not imported: PyAV (~110 ms, ~40 MB) loads with
    the first render, not with the server; its encoders are checked then (`_default_encode`)."""
    return importlib.util.find_spec("av") is not None


@functools.cache
def _encoders_missing() -> frozenset[str]:
    import av

    return frozenset({"libx264", "aac"} - set(av.codecs_available))


def _default_encode(spec: RenderSpec) -> bytes:
    missing = _encoders_missing()
    if missing:  # a PyAV built without them (PyPI's wheels have both): the download is a 500 envelope
        raise RuntimeError(f"PyAV lacks the {', '.join(sorted(missing))} encoder(s): run with --render off")
    from mockserver.media._encode import render_mp4

    return render_mp4(spec)


@functools.cache  # reading the metadata is ~0.25 ms, a tenth of a pytest fixture's set-up
def _build_version() -> str:
    # From the installed distribution's metadata: importing PyAV for its version would load it.
    try:
        return f"{RENDER_VERSION}/av{metadata.version('av')}"
    except metadata.PackageNotFoundError:
        return RENDER_VERSION


@dataclass
class _Flight:
    """One render in progress; the worker thread fills `result` even if its first caller is gone."""

    done: anyio.Event = field(default_factory=anyio.Event)
    result: Rendered | None = None
    error: BaseException | None = None


class Renderer:
    """Jobs' videos, rendered on demand and kept.

    **Parameters:**
    - `catalog`: fills in what a request left out (default resolution, duration, audio).
    - `bitrate`: video bits per second at 720p; other sizes scale by pixel count.
    - `max_bytes`: bound of the in-memory cache (least recently used videos go first).
    - `directory`: also keep every video there as `<key>.mp4` and read it back after a restart.
    - `concurrency`: renders running at once (each in its own worker thread).
    - `encode`: spec -> MP4 bytes; the PyAV encoder unless a test passes another.
    """

    def __init__(
        self,
        *,
        catalog: Catalog,
        bitrate: int = DEFAULT_BITRATE,
        max_bytes: int = DEFAULT_CACHE_BYTES,
        directory: str | Path | None = None,
        concurrency: int = 2,
        encode: Encode | None = None,
        cache: ByteLRU | None = None,
    ) -> None:
        self.catalog = catalog
        self.bitrate = bitrate
        self.cache = cache if cache is not None else ByteLRU(max_bytes)
        self.directory = Path(directory) if directory is not None else None
        self.concurrency = concurrency
        self.renders = 0  # encodes actually run (not cache or disk hits)
        self._encode = encode or _default_encode
        self._version = _build_version()
        self._keys: dict[tuple[str, str], tuple[str, RenderSpec]] = {}
        self._flights: dict[str, _Flight] = {}
        # A thread-side bound, not an anyio limiter: the app may be driven from more than one loop.
        self._slots = threading.BoundedSemaphore(concurrency)
        self._counting = threading.Lock()

    def key(self, spec: RenderSpec) -> str:
        return hashlib.sha256(f"{self._version}\0{spec.key}".encode()).hexdigest()[:32]

    def spec(self, job: Job) -> tuple[str, RenderSpec]:
        """The job's spec and cache key, remembered per (job id, request)."""
        memo = (job.id, job.request_json)
        known = self._keys.get(memo)
        if known is None:
            spec = spec_for(job, self.catalog, self.bitrate)
            if len(self._keys) >= _MEMO_SIZE:
                self._keys.clear()
            known = self._keys[memo] = (self.key(spec), spec)
        return known

    def cached(self, job: Job) -> Rendered | None:
        """The job's video if it is in memory already (no render, no disk)."""
        return self.cache.get(self.spec(job)[0])

    async def video_for(self, job: Job) -> Rendered:
        key, spec = self.spec(job)
        return self.cache.get(key) or await self.render(spec, key)

    async def render(self, spec: RenderSpec, key: str | None = None) -> Rendered:
        """The video of `spec`: from memory, from the directory, from a render in progress, or rendered now."""
        key = key or self.key(spec)
        while True:
            hit = self.cache.get(key)
            if hit is not None:
                return hit
            flight = self._flights.get(key)
            if flight is None:
                return await self._lead(spec, key)
            await flight.done.wait()
            if flight.error is not None:
                raise flight.error
            if flight.result is not None:
                return flight.result
            # The leader was cancelled before its thread finished: go round and lead ourselves.

    async def _lead(self, spec: RenderSpec, key: str) -> Rendered:
        flight = self._flights[key] = _Flight()
        try:
            await anyio.to_thread.run_sync(self._produce, spec, key, flight)
        except Exception as exc:
            flight.error = exc
            raise
        finally:
            del self._flights[key]
            if flight.result is not None:
                self.cache.put(key, flight.result)
            flight.done.set()
        assert flight.result is not None
        return flight.result

    def _produce(self, spec: RenderSpec, key: str, flight: _Flight) -> None:
        """In the worker thread: read the directory's copy or encode (and store) a new one."""
        path = self.directory / f"{key}.mp4" if self.directory is not None else None
        if path is not None and path.is_file():
            flight.result = Rendered.of(path.read_bytes())
            return
        with self._slots:
            with self._counting:
                self.renders += 1
            data = self._encode(spec)
        if path is not None:
            _write_atomically(path, data)
        flight.result = Rendered.of(data)

    def clear(self) -> None:
        """Forget the in-memory videos (the directory keeps its files)."""
        self.cache.clear()
        self._keys.clear()


def _write_atomically(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".render-", suffix=".tmp")
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except OSError as exc:  # a full or read-only disk costs the copy, not the download
        logger.warning("could not keep %s in the render cache: %s", path.name, exc)
