"""`AsyncModelGates`: each twin method once, on the same fake API as the sync tests."""

from __future__ import annotations

import io
import random
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from client import (
    APIConnectionError,
    APIResponseValidationError,
    AsyncModelGates,
    InternalServerError,
    Job,
    JobCancelled,
    MissingAPIKeyError,
    PollTimeout,
)
from tests.client.fakes import (
    BASE,
    CHUNK_SIZE,
    JOB_ID,
    KEY,
    MP4,
    FakeAPI,
    Sleeps,
    body_of,
    completed_body,
    error_reply,
    job_body,
    video_reply,
)

pytestmark = pytest.mark.anyio

SUBMIT = ("POST", "/api/v1/videos")
POLL = ("GET", f"/api/v1/videos/{JOB_ID}")
CONTENT = ("GET", f"/api/v1/videos/{JOB_ID}/content")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fake() -> FakeAPI:
    return FakeAPI()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def mg(fake: FakeAPI, sleeps: Sleeps) -> AsyncIterator[AsyncModelGates]:
    async with AsyncModelGates(
        api_key=KEY,
        base_url=BASE,
        transport=fake.transport(),
        sleep=sleeps.asleep,
        clock=sleeps.clock,
        rng=random.Random(0),
    ) as client:
        yield client


async def test_list_models(fake: FakeAPI, mg: AsyncModelGates) -> None:
    fake.on("GET", "/api/v1/videos/models", httpx.Response(200, json={"data": []}))
    assert await mg.list_models() == []


async def test_submit_429_then_accepted(fake: FakeAPI, mg: AsyncModelGates, sleeps: Sleeps) -> None:
    fake.on(
        *SUBMIT,
        error_reply(429, "Rate limit exceeded", **{"Retry-After": "2"}),
        httpx.Response(202, json=job_body()),
    )
    job = await mg.submit(model="m", prompt="p", duration=4)
    assert job.id == JOB_ID and sleeps.delays == [2.0]
    assert body_of(fake.requests[-1]) == {"model": "m", "prompt": "p", "duration": 4}


async def test_submit_500_is_not_retried(fake: FakeAPI, mg: AsyncModelGates) -> None:
    fake.on(*SUBMIT, error_reply(500, "Internal Server Error"), httpx.Response(202, json=job_body()))
    with pytest.raises(InternalServerError):
        await mg.submit(model="m", prompt="p")
    assert len(fake.calls(*SUBMIT)) == 1


async def test_get_retries_then_gives_up(fake: FakeAPI, mg: AsyncModelGates) -> None:
    fake.on(*POLL, httpx.ConnectError("refused"))
    with pytest.raises(APIConnectionError):
        await mg.get(JOB_ID)
    assert len(fake.requests) == 3


async def test_wait_raises_cancelled(fake: FakeAPI, mg: AsyncModelGates, sleeps: Sleeps) -> None:
    fake.on(
        *POLL,
        httpx.Response(200, json=job_body("in_progress")),
        httpx.Response(200, json=job_body("cancelled", error="Job was cancelled")),
    )
    with pytest.raises(JobCancelled, match="^Job was cancelled$"):
        await mg.wait(Job.model_validate(job_body()), interval=7)
    assert sleeps.delays == [7.0, 7.0]


async def test_wait_is_bounded(fake: FakeAPI, mg: AsyncModelGates, sleeps: Sleeps) -> None:
    fake.on(*POLL, httpx.Response(200, json=job_body("pending")))
    with pytest.raises(PollTimeout):
        await mg.wait(Job.model_validate(job_body()), interval=30, timeout=45)
    assert sleeps.delays == [30.0, 15.0]


async def test_download_to_path_with_progress(fake: FakeAPI, mg: AsyncModelGates, tmp_path: Path) -> None:
    fake.on(*CONTENT, video_reply())
    progress: list[tuple[int, int | None]] = []
    target = tmp_path / "v.mp4"
    written = await mg.download(
        Job.model_validate(completed_body()), to=target, on_progress=lambda *a: progress.append(a)
    )
    assert written == len(MP4) and target.read_bytes() == MP4
    assert len(progress) > 1 and progress[-1] == (len(MP4), len(MP4))


class _BrokenStream(httpx.AsyncByteStream):
    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield MP4[:CHUNK_SIZE]
        raise httpx.ReadError("connection reset")


async def test_a_broken_download_leaves_no_file(fake: FakeAPI, mg: AsyncModelGates, tmp_path: Path) -> None:
    fake.on(
        *CONTENT,
        lambda request: httpx.Response(200, headers={"Content-Type": "video/mp4"}, stream=_BrokenStream()),
    )
    with pytest.raises(APIConnectionError, match="connection reset"):
        await mg.download(JOB_ID, to=tmp_path / "v.mp4")
    assert list(tmp_path.iterdir()) == []


async def test_a_job_that_breaks_the_schema(fake: FakeAPI, mg: AsyncModelGates) -> None:
    fake.on(*POLL, httpx.Response(200, content=b"<html>oops</html>"))
    with pytest.raises(APIResponseValidationError):
        await mg.get(JOB_ID)


async def test_generate(fake: FakeAPI, mg: AsyncModelGates) -> None:
    fake.on(*SUBMIT, httpx.Response(202, json=job_body()))
    fake.on(*POLL, httpx.Response(200, json=completed_body()))
    fake.on(*CONTENT, video_reply())
    sink = io.BytesIO()
    job = await mg.generate(model="m", prompt="p", to=sink)
    assert job.is_completed and sink.getvalue() == MP4


@pytest.mark.parametrize(("interval", "timeout"), [(0, 60.0), (float("nan"), 60.0), (5.0, float("nan"))])
async def test_generate_refuses_bad_pacing_before_it_submits(
    fake: FakeAPI, mg: AsyncModelGates, interval: float, timeout: float
) -> None:
    fake.on(*SUBMIT, httpx.Response(202, json=job_body()))
    with pytest.raises(ValueError, match="interval|timeout"):
        await mg.generate(model="m", prompt="p", to=io.BytesIO(), interval=interval, timeout=timeout)
    assert fake.requests == []


async def test_missing_key(monkeypatch: pytest.MonkeyPatch, fake: FakeAPI) -> None:
    monkeypatch.delenv("MODELGATES_API_KEY", raising=False)
    async with AsyncModelGates(base_url=BASE, transport=fake.transport()) as mg:
        with pytest.raises(MissingAPIKeyError):
            await mg.submit(model="m", prompt="p")
    assert fake.requests == []


async def test_closing() -> None:
    class Recording(httpx.MockTransport):
        closed = False

        async def aclose(self) -> None:
            self.closed = True

    transport = Recording(lambda request: httpx.Response(200))
    async with AsyncModelGates(api_key=KEY, transport=transport):
        pass
    assert transport.closed
    http = httpx.AsyncClient(transport=transport)
    async with AsyncModelGates(api_key=KEY, http_client=http):
        pass
    assert not http.is_closed
    await http.aclose()
