"""The renderer: one render per video however many ask, a cache bounded by bytes, a directory."""

from __future__ import annotations

import threading
from pathlib import Path

import anyio
import pytest

from mockserver.domain.catalog import Catalog
from mockserver.media import ByteLRU, Rendered, Renderer, RenderSpec
from tests.media.helpers import job

CATALOG = Catalog.load()
REQUEST = {"model": "google/veo-3.1", "prompt": "p", "duration": 4}


class CountingEncode:
    """A stand-in encoder: counts calls, optionally holds each until released."""

    def __init__(self, hold: bool = False) -> None:
        self.calls = 0
        self.release = threading.Event()
        if not hold:
            self.release.set()

    def __call__(self, spec: RenderSpec) -> bytes:
        self.calls += 1
        assert self.release.wait(10)
        return f"{spec.job_id}:{spec.width}x{spec.height}".encode().ljust(100, b".")


@pytest.mark.anyio
async def test_concurrent_requests_for_one_video_render_it_once() -> None:
    encode = CountingEncode(hold=True)
    renderer = Renderer(catalog=CATALOG, encode=encode)
    results: list[Rendered] = []

    async def download() -> None:
        results.append(await renderer.video_for(job(REQUEST)))

    async with anyio.create_task_group() as tasks:
        for _ in range(5):
            tasks.start_soon(download)
        await anyio.wait_all_tasks_blocked()
        encode.release.set()
    assert encode.calls == 1 and renderer.renders == 1
    assert len({r.data for r in results}) == 1 and len(results) == 5
    assert await renderer.video_for(job(REQUEST)) == results[0]  # then from memory
    assert encode.calls == 1


@pytest.mark.anyio
async def test_a_failed_render_reaches_every_waiter_and_is_not_cached() -> None:
    def broken(spec: RenderSpec) -> bytes:
        raise RuntimeError("encoder broke")

    renderer = Renderer(catalog=CATALOG, encode=broken)
    with pytest.raises(RuntimeError, match="encoder broke"):
        await renderer.video_for(job(REQUEST))
    assert len(renderer.cache) == 0


def test_the_cache_is_bounded_by_bytes() -> None:
    cache = ByteLRU(max_bytes=250)
    for name in "abc":
        cache.put(name, Rendered.of(name.encode() * 100))
    assert "a" not in cache and "b" in cache and "c" in cache and cache.bytes == 200
    cache.get("b")  # used: now c is the oldest
    cache.put("d", Rendered.of(b"d" * 100))
    assert set("bd") == {k for k in "abcd" if k in cache}
    cache.put("huge", Rendered.of(b"h" * 251))  # larger than the bound: not kept
    assert "huge" not in cache and cache.bytes == 200


@pytest.mark.anyio
async def test_renderer_evicts_beyond_its_bound() -> None:
    encode = CountingEncode()
    renderer = Renderer(catalog=CATALOG, encode=encode, max_bytes=250)
    for n in range(3):
        await renderer.video_for(job(REQUEST, job_id=f"vid_{n}"))
    await renderer.video_for(job(REQUEST, job_id="vid_0"))  # evicted, so rendered again
    assert encode.calls == 4 and renderer.cache.bytes <= 250


@pytest.mark.anyio
async def test_the_directory_keeps_videos_across_restarts(tmp_path: Path) -> None:
    first = CountingEncode()
    video = await Renderer(catalog=CATALOG, encode=first, directory=tmp_path).video_for(job(REQUEST))
    second = CountingEncode()
    again = await Renderer(catalog=CATALOG, encode=second, directory=tmp_path).video_for(job(REQUEST))
    assert again == video and (first.calls, second.calls) == (1, 0)
    assert [p.suffix for p in tmp_path.iterdir()] == [".mp4"]


def test_the_etag_follows_the_bytes() -> None:
    assert Rendered.of(b"x").etag == Rendered.of(b"x").etag != Rendered.of(b"y").etag


def test_mocks_that_share_the_process_cache_render_a_video_once() -> None:
    # The pytest plugin's in-process mocks set render_cache_shared: the same job in two tests
    # (same seed, same request: the same video) is rendered once for the session.
    import asyncio

    from mockserver import OPERATOR, MockConfig, VirtualClock, create_app, new_api_key
    from mockserver.media import shared_cache

    body = {"model": "google/veo-3.1-lite", "prompt": "a shared cache", "duration": 4, "resolution": "720p"}
    renders = []
    for _ in range(2):
        clock = VirtualClock()
        app = create_app(MockConfig(seed=41, render_cache_shared=True), clock=clock)
        job = app.controller.submit(new_api_key(41), dict(body))
        clock.advance(3600)
        renderer = app.instance.videos.renderer
        assert renderer is not None and renderer.cache is shared_cache()
        renderer._encode = lambda spec: b"\x00\x00\x00\x18ftypisom" + spec.key.encode()  # no encoder needed
        asyncio.run(renderer.video_for(app.controller.job(OPERATOR, job.id)))
        renders.append(renderer.renders)
    assert renders == [1, 0]  # the second mock found the first one's video
