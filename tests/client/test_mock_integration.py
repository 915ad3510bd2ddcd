"""The client against the real mock, in-process on a virtual clock, and once over loopback.

The seeds' flows (000 text to video, 004 first / first + last frame) and the scenarios that
make apps fail: rate limits, flaky polls and downloads, failures, and a 500 on submit.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

import mockserver
from client import (
    AsyncModelGates,
    AuthenticationError,
    BadRequestError,
    FrameImage,
    ImageUrl,
    InternalServerError,
    JobCancelled,
    JobError,
    JobExpired,
    JobFailed,
    ModelGates,
    NotFoundError,
    PaymentRequiredError,
)

BASE = "http://testserver/api/v1"
SEED_000: dict[str, Any] = {
    "model": "google/veo-3.1-lite",
    "prompt": "A cinematic 4-second shot of a glass greenhouse at sunrise, soft mist, slow dolly-in camera movement",
    "duration": 4,
    "resolution": "720p",
    "aspect_ratio": "16:9",
    "generate_audio": False,
}
SEED_004_PROMPT = "The camera slowly pushes in as the subject turns toward warm window light"
FIRST = FrameImage(image_url=ImageUrl(url="https://example.com/first-frame.jpg"), frame_type="first_frame")
LAST = FrameImage(image_url=ImageUrl(url="https://example.com/last-frame.jpg"), frame_type="last_frame")


class VirtualTime:
    """The client's sleep and clock, driving the mock's `VirtualClock`; delays are recorded."""

    def __init__(self, clock: mockserver.VirtualClock) -> None:
        self.clock = clock
        self.delays: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.clock.advance(seconds)

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


class Recording(httpx.BaseTransport):
    """Forwards to the mock and records `(method, path, status)`; `fail_submit` answers 500
    after the mock has accepted the job, as a proxy timing out on the way back would."""

    def __init__(self, inner: httpx.BaseTransport, *, fail_submit: bool = False) -> None:
        self.inner = inner
        self.fail_submit = fail_submit
        self.seen: list[tuple[str, str, int]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if self.fail_submit and request.method == "POST":
            response = httpx.Response(500, json={"error": {"code": 500, "message": "upstream timeout"}})
        self.seen.append((request.method, request.url.path, response.status_code))
        return response

    def count(self, method: str, suffix: str = "") -> int:
        return sum(1 for m, path, _ in self.seen if m == method and path.endswith(suffix))


def make_app(scenario: str) -> tuple[Starlette, VirtualTime]:
    clock = mockserver.VirtualClock()
    app = mockserver.create_app(mockserver.MockConfig(scenario=scenario, seed=7), clock=clock)
    return app, VirtualTime(clock)


def sync_client(app: Starlette, time: VirtualTime, **kwargs: Any) -> tuple[ModelGates, Recording]:
    transport = Recording(mockserver.SyncASGITransport(app), **kwargs)
    client = ModelGates(
        api_key=mockserver.new_api_key(1),
        base_url=BASE,
        transport=transport,
        sleep=time.sleep,
        clock=time.clock.now,
        rng=random.Random(0),
    )
    return client, transport


@pytest.fixture
def happy() -> Iterator[tuple[ModelGates, Recording, VirtualTime]]:
    app, time = make_app("happy")
    client, transport = sync_client(app, time)
    with client:
        yield client, transport, time


def is_mp4(data: bytes) -> bool:
    return data[4:8] == b"ftyp"


def test_seed_000_text_to_video(happy: tuple[ModelGates, Recording, VirtualTime], tmp_path: Path) -> None:
    mg, transport, time = happy
    lite = next(m for m in mg.list_models() if m.id == "google/veo-3.1-lite")
    assert (lite.supported_durations, lite.supported_resolutions) == ([8, 4, 6], ["720p", "1080p"])
    seen: list[str] = []
    progress: list[int] = []
    job = mg.generate(
        **SEED_000,
        to=tmp_path / "greenhouse.mp4",
        on_update=lambda j: seen.append(j.status),
        on_progress=lambda done, total: progress.append(done),
    )
    assert job.is_completed and job.usage is not None and job.generation_id
    assert seen[0] == "pending" and seen[-1] == "completed" and "in_progress" in seen
    assert set(time.delays) == {30.0}
    data = (tmp_path / "greenhouse.mp4").read_bytes()
    assert is_mp4(data) and progress[-1] == len(data)
    assert transport.count("POST") == 1


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_seed_000_text_to_video_async(anyio_backend: str) -> None:
    app, time = make_app("happy")
    async with AsyncModelGates(
        api_key=mockserver.new_api_key(2),
        base_url=BASE,
        transport=httpx.ASGITransport(app=app),
        sleep=time.asleep,
        clock=time.clock.now,
        rng=random.Random(0),
    ) as mg:
        assert len(await mg.list_models()) == 13
        sink = io.BytesIO()
        job = await mg.generate(**SEED_000, to=sink)
    assert job.is_completed and is_mp4(sink.getvalue())


@pytest.mark.parametrize("frames", [[FIRST], [FIRST, LAST]], ids=["first", "first+last"])
def test_seed_004_image_to_video(happy: tuple[ModelGates, Recording, VirtualTime], frames: list[FrameImage]) -> None:
    mg, _, _ = happy
    sink = io.BytesIO()
    job = mg.generate(
        model="google/veo-3.1-lite",
        prompt=SEED_004_PROMPT,
        duration=4,
        resolution="720p",
        aspect_ratio="16:9",
        generate_audio=False,
        frame_images=frames,
        to=sink,
    )
    assert job.is_completed and is_mp4(sink.getvalue())


def test_rate_limited_waits_what_retry_after_says() -> None:
    app, time = make_app("rate-limited")
    mg, transport = sync_client(app, time)
    with mg:
        job = mg.generate(**SEED_000, to=io.BytesIO())
    assert job.is_completed
    assert time.delays[0] == 2.0  # the mock's Retry-After, before any poll interval
    assert [status for m, _, status in transport.seen if m == "POST"] == [429, 202]


def test_flaky_poll_still_succeeds() -> None:
    app, time = make_app("flaky-poll")
    mg, transport = sync_client(app, time)
    with mg:
        assert mg.generate(**SEED_000, to=io.BytesIO()).is_completed
    poll_statuses = [s for m, path, s in transport.seen if m == "GET" and "/content" not in path]
    assert 500 in poll_statuses and poll_statuses[-1] == 200
    assert any(d < 30.0 for d in time.delays)  # a backoff between two polls' retries


def test_flaky_content_download_is_retried() -> None:
    app, time = make_app("flaky-content")
    mg, transport = sync_client(app, time)
    sink = io.BytesIO()
    with mg:
        mg.generate(**SEED_000, to=sink)
    assert is_mp4(sink.getvalue())
    assert [s for _, path, s in transport.seen if path.endswith("/content")] == [502, 200]


@pytest.mark.parametrize(
    ("scenario", "error", "text"),
    [
        ("slow-then-fail", JobFailed, "Provider returned error"),
        ("fail", JobFailed, "Content policy violation"),
        ("cancel", JobCancelled, "Job was cancelled"),
        ("expire", JobExpired, "Job exceeded maximum time to live"),
    ],
)
def test_terminal_failures_carry_the_servers_text(scenario: str, error: type[JobError], text: str) -> None:
    app, time = make_app(scenario)
    mg, transport = sync_client(app, time)
    with mg, pytest.raises(error) as caught:
        mg.generate(**SEED_000, to=io.BytesIO())
    assert str(caught.value) == text
    assert transport.count("GET", "/content") == 0


def test_a_500_on_submit_never_produces_a_second_job() -> None:
    app, time = make_app("happy")
    mg, transport = sync_client(app, time, fail_submit=True)
    with mg, pytest.raises(InternalServerError, match="upstream timeout"):
        mg.generate(**SEED_000, to=io.BytesIO())
    assert transport.count("POST") == 1 and time.delays == []


def test_insufficient_credits_is_not_retried() -> None:
    app, time = make_app("insufficient-credits")
    mg, transport = sync_client(app, time)
    with mg, pytest.raises(PaymentRequiredError, match="Insufficient credits"):
        mg.submit(**SEED_000)
    assert transport.count("POST") == 1


def test_bad_requests_are_reported_with_the_servers_details(
    happy: tuple[ModelGates, Recording, VirtualTime],
) -> None:
    mg, _, _ = happy
    with pytest.raises(BadRequestError) as caught:
        mg.submit(**(SEED_000 | {"duration": 7}))
    assert caught.value.code == 400 and "duration" in caught.value.message
    assert caught.value.metadata is not None


def test_keys_are_tenants(happy: tuple[ModelGates, Recording, VirtualTime]) -> None:
    mg, transport, time = happy
    job = mg.submit(**SEED_000)
    other = ModelGates(api_key=mockserver.new_api_key(99), base_url=BASE, transport=transport.inner)
    with other, pytest.raises(NotFoundError):
        other.get(job.id)
    bad = ModelGates(api_key="sk-not-a-key", base_url=BASE, transport=transport.inner)
    with bad, pytest.raises(AuthenticationError):
        bad.get(job.id)


def test_against_a_live_mockserver_on_loopback(tmp_path: Path) -> None:
    clock = mockserver.VirtualClock()
    time = VirtualTime(clock)
    config = mockserver.MockConfig(scenario="fast")
    with mockserver.MockServer(config, clock=clock) as server:
        base_url = server.base_url
        assert base_url.startswith("http://127.0.0.1:")
        with ModelGates(api_key=mockserver.new_api_key(3), base_url=base_url, sleep=time.sleep, clock=clock.now) as mg:
            job = mg.generate(**SEED_000, to=tmp_path / "live.mp4", interval=2.0)
    assert job.polling_url.startswith(base_url)
    assert is_mp4((tmp_path / "live.mp4").read_bytes())
