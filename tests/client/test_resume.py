"""The reference client downloads like a good client: a broken body is resumed, never kept.

Against the mock's download faults (in-process and over loopback) and a scripted fake for what
the mock never does (a video that changes between attempts, an answer without an ETag).
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from client import APIConnectionError, APIResponseValidationError, AsyncModelGates, ModelGates
from client._download import MAX_RESUMES
from contracts.pytest_plugin.fixtures import ModelGatesMock
from mockserver import OPERATOR, MockConfig, MockServer, VirtualClock, new_api_key
from tests.client.fakes import CONTENT_URL, JOB_ID, KEY, MP4, FakeAPI

BODY: dict[str, Any] = {
    "model": "google/veo-3.1-lite",
    "prompt": "a greenhouse at dawn",
    "duration": 8,
    "resolution": "720p",
}
STEPS = '[[steps]]\nstatus = "pending"\nseconds = 1\n\n[[steps]]\nstatus = "completed"\n\n'


@pytest.fixture
def truncated() -> Iterator[ModelGatesMock]:
    handle = ModelGatesMock(scenario="truncated-download", seed=7, api_key=new_api_key("resume"))
    yield handle
    handle.close()
    handle.raise_errors()


def client_on(mock: ModelGatesMock, **settings: object) -> ModelGates:
    return ModelGates(
        api_key=mock.api_key,
        base_url=mock.base_url,
        transport=mock.transport,
        sleep=mock.advance,
        clock=mock.clock.now,
        **settings,  # type: ignore[arg-type]
    )


def undisturbed(mock: ModelGatesMock, job_id: str) -> bytes:
    return asyncio.run(mock.control.video(OPERATOR, job_id))  # not counted as a download


def content_exchanges(mock: ModelGatesMock) -> list[tuple[int, str | None, str | None]]:
    found = [e for e in mock.exchanges() if e.path.endswith("/content")]
    return [(e.status, e.headers.get("range"), e.headers.get("if-range")) for e in found]


def test_a_cut_download_is_resumed_to_the_undisturbed_bytes(truncated: ModelGatesMock, tmp_path: Path) -> None:
    target = tmp_path / "out.mp4"
    progress: list[tuple[int, int | None]] = []
    with client_on(truncated) as mg:
        job = mg.generate(**BODY, to=target, interval=10, on_progress=lambda *seen: progress.append(seen))
    video = undisturbed(truncated, job.id)
    assert target.read_bytes() == video and len(video) > 500_000  # MB-sized: 8 s of 720p
    assert list(tmp_path.iterdir()) == [target]
    cut_at = int(len(video) * 0.4)
    etag = truncated.exchanges()[-1].response_headers["etag"]
    assert content_exchanges(truncated) == [(200, None, None), (206, f"bytes={cut_at}-", etag)]
    # Progress went on from where the cut left it, in chunks, to the whole size.
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)
    assert progress[-1] == (len(video), len(video)) and len(progress) > 8
    truncated.assert_no_truncated_downloads()
    truncated.assert_downloaded_each_output_once()


def test_the_async_client_resumes_into_a_file_object(truncated: ModelGatesMock) -> None:
    async def app() -> tuple[str, bytes]:
        sink = io.BytesIO()
        async with AsyncModelGates(
            api_key=truncated.api_key,
            base_url=truncated.base_url,
            transport=truncated.async_transport,
            sleep=truncated.asleep,
            clock=truncated.clock.now,
        ) as mg:
            job = await mg.generate(**BODY, to=sink, interval=10)
        return job.id, sink.getvalue()

    job_id, got = asyncio.run(app())
    assert got == undisturbed(truncated, job_id)
    assert [status for status, _, _ in content_exchanges(truncated)] == [200, 206]
    truncated.assert_no_truncated_downloads()


def test_a_stall_past_the_read_timeout_is_resumed_without_waiting() -> None:
    mock = ModelGatesMock(scenario="stalled-download", seed=7, api_key=new_api_key("stall"))
    try:
        with client_on(mock, timeout=httpx.Timeout(30.0, read=1.0)) as mg:  # the stall is 5 s
            job = mg.generate(**(BODY | {"duration": 4}), to=io.BytesIO(), interval=10)
        assert [status for status, _, _ in content_exchanges(mock)] == [200, 206]
        assert mock.exchanges()[-2].body_bytes < int(mock.exchanges()[-2].response_headers["content-length"])
        assert job.status == "completed"
        mock.assert_no_truncated_downloads()
    finally:
        mock.close()


def test_resumes_are_bounded_and_leave_no_file(tmp_path: Path) -> None:
    always = tmp_path / "always-cut.toml"
    always.write_text(f'{STEPS}[[download_faults]]\nkind = "cut"\nafter = 0.5\nevery = 1\n', encoding="utf-8")
    mock = ModelGatesMock(scenario=str(always), seed=7, api_key=new_api_key("cut"))
    try:
        with client_on(mock) as mg, pytest.raises(APIConnectionError, match="peer closed connection"):
            mg.generate(**(BODY | {"duration": 4}), to=tmp_path / "out.mp4", interval=10)
        assert len(content_exchanges(mock)) == 1 + MAX_RESUMES
        assert sorted(path.name for path in tmp_path.iterdir()) == ["always-cut.toml"]
        with pytest.raises(AssertionError, match="kept a download that was cut short"):
            mock.assert_no_truncated_downloads()
    finally:
        mock.close()


def test_live_the_client_resumes_a_cut_and_a_stall(tmp_path: Path) -> None:
    stall = tmp_path / "stall.toml"
    # The server's pause ends when the client hangs up: the test waits the read timeout only.
    stall.write_text(f'{STEPS}[[download_faults]]\nkind = "stall"\nafter = 0.5\nseconds = 5\ntimes = 1\n')
    for scenario in ("truncated-download", str(stall)):
        clock = VirtualClock()
        with MockServer(MockConfig(scenario=scenario, render="off"), clock=clock) as server:
            target = tmp_path / "live.mp4"
            timeout = httpx.Timeout(5.0, read=0.2)
            with ModelGates(
                api_key=new_api_key(2), base_url=server.base_url, timeout=timeout, sleep=clock.advance
            ) as mg:
                job = mg.generate(**BODY, to=target, interval=10)
            video = asyncio.run(server.controller.video(OPERATOR, job.id))
            assert target.read_bytes() == video
            statuses = [entry.status for entry in server.controller.journal_entries() if entry.operation == "content"]
            assert sorted(statuses) == [200, 206]  # journaled as each ends: a stalled 200 may end last
            assert not server.controller.errors


# --- what the mock never does: a scripted server ---------------------------------------------


def broken_reply(content: bytes, etag: str | None, upto: int) -> Callable[[httpx.Request], httpx.Response]:
    def body() -> Iterator[bytes]:
        yield content[:upto]
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")

    headers = {"Content-Type": "video/mp4", "Content-Length": str(len(content))}
    if etag is not None:
        headers["ETag"] = etag
    return lambda request: httpx.Response(200, headers=headers, content=body())


def test_a_video_that_changed_starts_over(tmp_path: Path) -> None:
    changed = MP4[::-1]
    fake = FakeAPI().on("GET", "/api/v1/videos/" + JOB_ID + "/content", broken_reply(MP4, '"a"', 1000))
    fake.on(
        "GET", "/api/v1/videos/" + JOB_ID + "/content", httpx.Response(200, content=changed, headers={"ETag": '"b"'})
    )
    with ModelGates(api_key=KEY, base_url=CONTENT_URL.split("/videos")[0], transport=fake.transport()) as mg:
        assert mg.download(JOB_ID, to=tmp_path / "v.mp4") == len(changed)
    assert (tmp_path / "v.mp4").read_bytes() == changed
    second = fake.requests[1].headers
    assert second["range"] == "bytes=1000-" and second["if-range"] == '"a"'


def test_without_an_etag_a_broken_download_starts_over() -> None:
    fake = FakeAPI().on("GET", "/api/v1/videos/" + JOB_ID + "/content", broken_reply(MP4, None, 1000))
    fake.on("GET", "/api/v1/videos/" + JOB_ID + "/content", httpx.Response(200, content=MP4))
    sink = io.BytesIO()
    with ModelGates(api_key=KEY, base_url=CONTENT_URL.split("/videos")[0], transport=fake.transport()) as mg:
        mg.download(JOB_ID, to=sink)
    assert sink.getvalue() == MP4 and "range" not in fake.requests[1].headers


def test_a_body_short_of_its_length_is_resumed() -> None:
    headers = {"Content-Length": str(len(MP4)), "ETag": '"a"'}
    short = lambda request: httpx.Response(200, headers=headers, content=iter([MP4[:500]]))  # noqa: E731
    rest = httpx.Response(
        206, headers={"Content-Range": f"bytes 500-{len(MP4) - 1}/{len(MP4)}", "ETag": '"a"'}, content=MP4[500:]
    )
    fake = FakeAPI().on("GET", "/api/v1/videos/" + JOB_ID + "/content", short, rest)
    sink = io.BytesIO()
    with ModelGates(api_key=KEY, base_url=CONTENT_URL.split("/videos")[0], transport=fake.transport()) as mg:
        assert mg.download(JOB_ID, to=sink) == len(MP4)
    assert sink.getvalue() == MP4


def test_a_range_answer_for_other_bytes_is_refused() -> None:
    wrong = httpx.Response(206, headers={"Content-Range": f"bytes 0-99/{len(MP4)}", "ETag": '"a"'}, content=MP4[:100])
    fake = FakeAPI().on("GET", "/api/v1/videos/" + JOB_ID + "/content", broken_reply(MP4, '"a"', 1000), wrong)
    with (
        ModelGates(api_key=KEY, base_url=CONTENT_URL.split("/videos")[0], transport=fake.transport()) as mg,
        pytest.raises(APIResponseValidationError, match="asked for bytes 1000-"),
    ):
        mg.download(JOB_ID, to=io.BytesIO())
