"""`ModelGates` against a scripted fake API (`httpx.MockTransport`): no network, no real sleep."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from client import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    BadGatewayError,
    FrameImage,
    ImageUrl,
    InternalServerError,
    Job,
    JobFailed,
    ModelGates,
    NotFoundError,
    PollTimeout,
    RateLimitError,
    VideoRequest,
)
from tests.client.fakes import (
    BASE,
    CHUNK_SIZE,
    JOB_ID,
    KEY,
    MP4,
    POLLING_URL,
    FakeAPI,
    Sleeps,
    body_of,
    completed_body,
    error_reply,
    job_body,
    video_reply,
)

ROOT = Path(__file__).resolve().parents[2]
SUBMIT = ("POST", "/api/v1/videos")
POLL = ("GET", f"/api/v1/videos/{JOB_ID}")
CONTENT = ("GET", f"/api/v1/videos/{JOB_ID}/content")
ACCEPTED = httpx.Response(202, json=job_body())


@pytest.fixture
def fake() -> FakeAPI:
    return FakeAPI()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def mg(fake: FakeAPI, sleeps: Sleeps) -> Iterator[ModelGates]:
    with ModelGates(
        api_key=KEY,
        base_url=BASE,
        transport=fake.transport(),
        sleep=sleeps,
        clock=sleeps.clock,
        rng=random.Random(0),
    ) as client:
        yield client


def test_list_models(fake: FakeAPI, mg: ModelGates) -> None:
    catalog = (ROOT / "fixtures" / "models.json").read_bytes()
    fake.on("GET", "/api/v1/videos/models", httpx.Response(200, content=catalog))
    models = mg.list_models()
    assert len(models) == 13 and models[3].id == "google/veo-3.1-lite"


def test_submit_sends_the_seed_000_body(fake: FakeAPI, mg: ModelGates) -> None:
    fake.on(*SUBMIT, ACCEPTED)
    job = mg.submit(
        model="google/veo-3.1-lite",
        prompt="A glass greenhouse",
        duration=4,
        resolution="720p",
        aspect_ratio="16:9",
        generate_audio=False,
    )
    assert (job.id, job.status, job.polling_url) == (JOB_ID, "pending", POLLING_URL)
    request = fake.requests[0]
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.headers["Content-Type"] == "application/json"
    assert body_of(request) == {
        "model": "google/veo-3.1-lite",
        "prompt": "A glass greenhouse",
        "duration": 4,
        "resolution": "720p",
        "aspect_ratio": "16:9",
        "generate_audio": False,
    }


def test_submit_merges_a_request_with_keyword_fields(fake: FakeAPI, mg: ModelGates) -> None:
    fake.on(*SUBMIT, ACCEPTED)
    first = FrameImage(image_url=ImageUrl(url="https://img.test/a.jpg"), frame_type="first_frame")
    mg.submit(VideoRequest(model="m", prompt="p", frame_images=[first]), prompt="q", seed=3)
    assert body_of(fake.requests[0]) == {
        "model": "m",
        "prompt": "q",
        "seed": 3,
        "frame_images": [first.model_dump()],
    }


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        pytest.param(error_reply(500, "Internal Server Error"), InternalServerError, id="500"),
        pytest.param(error_reply(502, "Provider returned error"), BadGatewayError, id="502"),
        pytest.param(httpx.ReadTimeout("slow answer"), APITimeoutError, id="read-timeout"),
        pytest.param(httpx.RemoteProtocolError("dropped"), APIConnectionError, id="dropped"),
    ],
)
def test_submit_is_never_sent_twice_once_the_server_may_have_it(
    fake: FakeAPI, mg: ModelGates, sleeps: Sleeps, reply: Any, error: type[Exception]
) -> None:
    fake.on(*SUBMIT, reply, ACCEPTED)
    with pytest.raises(error):
        mg.submit(model="m", prompt="p")
    assert len(fake.calls(*SUBMIT)) == 1
    assert sleeps.delays == []


def test_submit_waits_what_retry_after_says(fake: FakeAPI, mg: ModelGates, sleeps: Sleeps) -> None:
    limited = error_reply(429, "Rate limit exceeded", {"error_type": "rate_limit_exceeded"})
    limited.headers["Retry-After"] = "2"
    fake.on(*SUBMIT, limited, ACCEPTED)
    assert mg.submit(model="m", prompt="p").id == JOB_ID
    assert sleeps.delays == [2.0]
    assert len(fake.calls(*SUBMIT)) == 2


def test_submit_retries_a_failure_to_connect(fake: FakeAPI, mg: ModelGates, sleeps: Sleeps) -> None:
    fake.on(*SUBMIT, httpx.ConnectError("refused"), ACCEPTED)
    assert mg.submit(model="m", prompt="p").id == JOB_ID
    assert len(sleeps.delays) == 1 and 0.375 <= sleeps.delays[0] <= 0.5


def test_rate_limit_is_raised_after_the_last_retry(fake: FakeAPI, mg: ModelGates) -> None:
    fake.on(*SUBMIT, error_reply(429, "Rate limit exceeded", **{"Retry-After": "1"}))
    with pytest.raises(RateLimitError) as caught:
        mg.submit(model="m", prompt="p")
    assert caught.value.retry_after == 1.0
    assert len(fake.calls(*SUBMIT)) == 3  # max_retries=2


def test_reads_retry_5xx_with_backoff(fake: FakeAPI, mg: ModelGates, sleeps: Sleeps) -> None:
    fake.on(
        *POLL,
        error_reply(500, "boom"),
        error_reply(502, "boom"),
        httpx.Response(200, json=job_body()),
    )
    assert mg.get(JOB_ID).status == "pending"
    assert len(sleeps.delays) == 2 and sleeps.delays[1] > sleeps.delays[0]


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (error_reply(500, "boom"), InternalServerError),
        (httpx.ConnectError("refused"), APIConnectionError),
        (httpx.ConnectTimeout("slow"), APITimeoutError),
    ],
)
def test_reads_give_up_after_max_retries(fake: FakeAPI, mg: ModelGates, reply: Any, error: type[Exception]) -> None:
    fake.on(*POLL, reply)
    with pytest.raises(error):
        mg.get(JOB_ID)
    assert len(fake.calls(*POLL)) == 3


def test_wait_follows_polling_url_until_completed(fake: FakeAPI, mg: ModelGates, sleeps: Sleeps) -> None:
    polling_url = f"{BASE}/videos/{JOB_ID}?view=full"
    states = [
        job_body("in_progress", polling_url=polling_url),
        job_body("queued", polling_url=polling_url),
        completed_body(polling_url=polling_url),
    ]
    fake.on(*POLL, *(httpx.Response(200, json=s) for s in states))
    seen: list[str] = []
    job = mg.wait(
        Job.model_validate(job_body(polling_url=polling_url)),
        on_update=lambda j: seen.append(j.status),
    )
    assert job.is_completed and seen == ["in_progress", "queued", "completed"]
    assert sleeps.delays == [30.0, 30.0, 30.0]
    assert {str(r.url) for r in fake.requests} == {polling_url}


def test_wait_returns_a_completed_job_without_polling(fake: FakeAPI, mg: ModelGates) -> None:
    job = Job.model_validate(completed_body())
    assert mg.wait(job) is job and fake.requests == []


def test_wait_raises_the_servers_error_text(fake: FakeAPI, mg: ModelGates) -> None:
    fake.on(*POLL, httpx.Response(200, json=job_body("failed", error="Content policy violation")))
    with pytest.raises(JobFailed, match="^Content policy violation$"):
        mg.wait(Job.model_validate(job_body()), interval=5)


def test_wait_is_bounded(fake: FakeAPI, mg: ModelGates, sleeps: Sleeps) -> None:
    fake.on(*POLL, httpx.Response(200, json=job_body("in_progress")))
    with pytest.raises(PollTimeout) as caught:
        mg.wait(Job.model_validate(job_body()), interval=10, timeout=25)
    assert sleeps.delays == [10.0, 10.0, 5.0] and len(fake.requests) == 3
    assert caught.value.waited == 25.0 and caught.value.job.status == "in_progress"


def test_download_streams_to_a_path(fake: FakeAPI, mg: ModelGates, tmp_path: Path) -> None:
    fake.on(*CONTENT, video_reply())
    progress: list[tuple[int, int | None]] = []
    target = tmp_path / "out.mp4"
    written = mg.download(Job.model_validate(completed_body()), to=target, on_progress=lambda *a: progress.append(a))
    assert written == len(MP4) and target.read_bytes() == MP4
    assert progress[-1] == (len(MP4), len(MP4)) and len(progress) >= len(MP4) // CHUNK_SIZE
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)
    assert list(tmp_path.iterdir()) == [target]


def test_download_streams_chunk_by_chunk_to_a_file(fake: FakeAPI, mg: ModelGates) -> None:
    sink = io.BytesIO()
    written_when_yielding: list[int] = []

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(MP4), CHUNK_SIZE):
            written_when_yielding.append(sink.tell())
            yield MP4[start : start + CHUNK_SIZE]

    fake.on(
        *CONTENT,
        lambda request: httpx.Response(200, headers={"Content-Type": "video/mp4"}, content=chunks()),
    )
    mg.download(JOB_ID, to=sink)
    assert sink.getvalue() == MP4 and not sink.closed
    # Each chunk was written before the next one was read: the body is never held whole.
    assert written_when_yielding == list(range(0, len(MP4), CHUNK_SIZE))


def test_a_broken_download_leaves_no_file(fake: FakeAPI, mg: ModelGates, tmp_path: Path) -> None:
    def broken() -> Iterator[bytes]:
        yield MP4[:CHUNK_SIZE]
        raise httpx.ReadError("connection reset")

    fake.on(
        *CONTENT,
        lambda request: httpx.Response(200, headers={"Content-Type": "video/mp4"}, content=broken()),
    )
    with pytest.raises(APIConnectionError, match="connection reset"):
        mg.download(JOB_ID, to=tmp_path / "out.mp4")
    assert list(tmp_path.iterdir()) == []


def test_download_of_an_unfinished_job_raises_not_found(fake: FakeAPI, mg: ModelGates) -> None:
    fake.on(*CONTENT, error_reply(404, "Resource not found", {"status": "in_progress"}))
    with pytest.raises(NotFoundError) as caught:
        mg.download(JOB_ID, to=io.BytesIO())
    assert caught.value.metadata == {"status": "in_progress"}


def test_download_beyond_unsigned_urls_uses_the_content_endpoint(fake: FakeAPI, mg: ModelGates) -> None:
    fake.on(*CONTENT, video_reply())
    mg.download(Job.model_validate(completed_body()), to=io.BytesIO(), index=1)
    assert fake.requests[0].url.params["index"] == "1"


def test_download_refuses_a_body_that_is_not_a_video(fake: FakeAPI, mg: ModelGates) -> None:
    fake.on(*CONTENT, httpx.Response(200, json={"not": "a video"}))
    with pytest.raises(APIResponseValidationError, match="expected a video"):
        mg.download(JOB_ID, to=io.BytesIO())


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"not json", id="not-json"),
        pytest.param(b'["a", "list"]', id="array"),
        pytest.param(b'{"id": "x", "status": "pending"}', id="missing-polling-url"),
        pytest.param(b'{"id": "x", "polling_url": "u", "status": 3}', id="status-not-a-string"),
        pytest.param(b'{"id": "x", "polling_url": "u", "status": "completed", "usage": []}', id="usage"),
    ],
)
def test_a_job_that_breaks_the_schema(fake: FakeAPI, mg: ModelGates, content: bytes) -> None:
    fake.on(*SUBMIT, httpx.Response(202, content=content))
    with pytest.raises(APIResponseValidationError, match="breaks the schema") as caught:
        mg.submit(model="m", prompt="p")
    assert caught.value.status_code == 202


def test_a_catalog_that_breaks_the_schema(fake: FakeAPI, mg: ModelGates) -> None:
    fake.on("GET", "/api/v1/videos/models", httpx.Response(200, json={"data": [{"id": 1}]}))
    with pytest.raises(APIResponseValidationError):
        mg.list_models()


def test_generate_submits_waits_and_downloads(fake: FakeAPI, mg: ModelGates, sleeps: Sleeps, tmp_path: Path) -> None:
    fake.on(*SUBMIT, ACCEPTED)
    fake.on(
        *POLL,
        httpx.Response(200, json=job_body("in_progress")),
        httpx.Response(200, json=completed_body()),
    )
    fake.on(*CONTENT, video_reply())
    seen: list[str] = []
    job = mg.generate(model="m", prompt="p", to=tmp_path / "v.mp4", on_update=lambda j: seen.append(j.status))
    assert job.is_completed and seen == ["pending", "in_progress", "completed"]
    assert (tmp_path / "v.mp4").read_bytes()[4:8] == b"ftyp"
    assert [r.method for r in fake.requests] == ["POST", "GET", "GET", "GET"]


@pytest.mark.parametrize(("interval", "timeout"), [(0, 60.0), (-1.0, 60.0), (float("nan"), 60.0), (5.0, float("nan"))])
def test_generate_refuses_bad_pacing_before_it_submits(
    fake: FakeAPI, mg: ModelGates, tmp_path: Path, interval: float, timeout: float
) -> None:
    # A submit costs money: a bad argument must not be found only after paying for the job.
    fake.on(*SUBMIT, ACCEPTED)
    with pytest.raises(ValueError, match="interval|timeout"):
        mg.generate(model="m", prompt="p", to=tmp_path / "v.mp4", interval=interval, timeout=timeout)
    assert fake.requests == []
    assert not (tmp_path / "v.mp4").exists()


@pytest.mark.parametrize(
    ("job_id", "path"),
    [("abc", "/api/v1/videos/abc"), ("a/../b?c", "/api/v1/videos/a%2F..%2Fb%3Fc")],
)
def test_a_bare_job_id_is_escaped_into_one_path_segment(fake: FakeAPI, mg: ModelGates, job_id: str, path: str) -> None:
    fake.on("GET", f"/api/v1/videos/{job_id}", httpx.Response(200, json=job_body()))
    mg.get(job_id)
    assert fake.requests[0].url.raw_path.decode() == path


def test_an_empty_job_id_or_negative_index_is_refused(fake: FakeAPI, mg: ModelGates) -> None:
    with pytest.raises(ValueError, match="job id"):
        mg.get("")
    with pytest.raises(ValueError, match="index"):
        mg.download(JOB_ID, to=io.BytesIO(), index=-1)
    assert fake.requests == []


def test_fields_unknown_to_this_client_are_refused_before_anything_is_sent(fake: FakeAPI, mg: ModelGates) -> None:
    fake.on(*SUBMIT, ACCEPTED)
    with pytest.raises(ValidationError, match="aspectRatio"):
        mg.submit(VideoRequest(model="m", prompt="p"), aspectRatio="16:9")
    assert fake.requests == []
