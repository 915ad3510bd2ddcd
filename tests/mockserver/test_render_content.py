"""Downloads through the app: with render on a job gets its own video, with render off the fixture."""

from __future__ import annotations

import io
from typing import Any

import anyio
import av
import httpx
import pytest

from mockserver import MockConfig, VirtualClock, create_app, new_api_key

BASE = "http://testserver/api/v1"
BODY: dict[str, Any] = {
    "model": "google/veo-3.1",
    "prompt": "A lighthouse in a storm, waves crashing",
    "resolution": "1080p",
    "aspect_ratio": "16:9",
    "duration": 8,
    "generate_audio": True,
}


def shape(data: bytes) -> tuple[int, int, float, list[str]]:
    with av.open(io.BytesIO(data), mode="r") as container:
        video = container.streams.video[0]
        seconds = (container.duration or 0) / 1_000_000
        return video.width, video.height, seconds, [a.codec_context.name for a in container.streams.audio]


async def completed(http: httpx.AsyncClient, clock: VirtualClock, body: dict[str, Any]) -> str:
    job = (await http.post("/videos", json=body)).json()
    clock.advance(3600)
    url: str = (await http.get(job["polling_url"])).json()["unsigned_urls"][0]
    return url


def client(config: MockConfig) -> tuple[httpx.AsyncClient, VirtualClock, Any]:
    clock = VirtualClock()
    app = create_app(config, clock=clock)
    headers = {"Authorization": f"Bearer {new_api_key(config.seed)}"}
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url=BASE, headers=headers), clock, app


@pytest.mark.anyio
async def test_a_download_is_the_video_the_job_asked_for() -> None:
    http, clock, app = client(MockConfig(scenario="fast"))
    async with http:
        url = await completed(http, clock, BODY)
        first, again = await http.get(url), await http.get(url)
        assert first.status_code == 200 and first.headers["content-type"] == "video/mp4"
        width, height, seconds, audio = shape(first.content)
        assert (width, height, audio) == (1920, 1080, ["aac"]) and abs(seconds - 8) <= 1 / 24
        assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
        part = await http.get(url, headers={"Range": "bytes=0-99", "If-Range": first.headers["etag"]})
        assert part.status_code == 206 and part.content == first.content[:100]
    assert app.instance.videos.renderer is not None and app.instance.videos.renderer.renders == 1


@pytest.mark.anyio
async def test_concurrent_first_downloads_share_one_render() -> None:
    http, clock, app = client(MockConfig(scenario="fast"))
    body = {**BODY, "resolution": "720p", "duration": 4, "generate_audio": False}
    bodies: list[bytes] = []
    async with http:
        url = await completed(http, clock, body)

        async def download() -> None:
            bodies.append((await http.get(url)).content)

        async with anyio.create_task_group() as tasks:
            for _ in range(3):
                tasks.start_soon(download)
    assert len(bodies) == 3 and len(set(bodies)) == 1
    assert shape(bodies[0])[:2] == (1280, 720)
    renderer = app.instance.videos.renderer
    assert renderer is not None and renderer.renders == 1


@pytest.mark.anyio
async def test_the_same_job_after_a_restart_has_the_same_etag() -> None:
    etags = []
    for _ in range(2):
        http, clock, _app = client(MockConfig(scenario="fast", seed=7))
        async with http:
            url = await completed(http, clock, {**BODY, "resolution": "720p", "duration": 4})
            etags.append((await http.get(url)).headers["etag"])
    assert etags[0] == etags[1]


@pytest.mark.anyio
async def test_render_off_serves_the_fixture_exactly() -> None:
    http, clock, app = client(MockConfig(scenario="fast", render="off"))
    async with http:
        url = await completed(http, clock, BODY)
        response = await http.get(url)
    fixture = app.instance.videos.for_ratio("16:9")
    assert app.instance.videos.renderer is None
    assert response.content == fixture.data and response.headers["etag"] == fixture.etag


def test_without_pyav_render_on_falls_back_to_the_fixtures_with_one_log_line(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import mockserver.media

    monkeypatch.setattr(mockserver.media, "render_available", lambda: False)  # read when the library is made
    with caplog.at_level("WARNING", logger="mockserver"):
        app = create_app(MockConfig(), clock=VirtualClock())
    assert app.instance.videos.renderer is None
    assert [r.getMessage() for r in caplog.records if "PyAV" in r.getMessage()] == [
        "PyAV is not installed: serving fixture videos (pip install 'modelgates-mock[render]')"
    ]
