from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import av
import pytest

from tests.mockserver.helpers import SEED_000_BODY, Api, assert_envelope


def decode(data: bytes) -> tuple[str, int, int]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        return stream.codec_context.name, stream.codec_context.width, stream.codec_context.height


@pytest.mark.parametrize(
    ("changes", "shape"),
    [
        ({}, "landscape"),
        ({"aspect_ratio": "9:16"}, "portrait"),
        ({"model": "kwaivgi/kling-v3.0-pro", "aspect_ratio": "1:1", "duration": 5, "generate_audio": True}, "square"),
        ({"model": "bytedance/seedance-2.0", "aspect_ratio": "21:9", "duration": 5}, "landscape"),
    ],
)
def test_completed_job_downloads_a_decodable_mp4_of_its_shape(api: Api, changes: dict[str, Any], shape: str) -> None:
    job_id = api.job_id({**SEED_000_BODY, **changes})
    api.clock.advance(3600)
    url = api.poll(job_id).json()["unsigned_urls"][0]
    response = api.http.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["accept-ranges"] == "bytes"
    codec, width, height = decode(response.content)
    assert codec == "h264"
    assert {"landscape": width > height, "portrait": width < height, "square": width == height}[shape]
    ratio = changes.get("aspect_ratio", "16:9")
    a, b = (int(x) for x in ratio.split(":"))
    assert abs(width / height - a / b) < 0.02


def test_the_key_is_required_for_unsigned_urls_too(api: Api) -> None:
    job_id = api.completed_job()
    url = api.poll(job_id).json()["unsigned_urls"][0]
    error = assert_envelope(api.http.get(url, headers={"Authorization": ""}), 401)
    assert error["message"] == "Missing Authentication header"


@pytest.mark.parametrize("advance", [0, 10])
def test_content_before_completion_is_404_with_the_status(api: Api, advance: int) -> None:
    job_id = api.job_id()
    api.clock.advance(advance)
    error = assert_envelope(api.http.get(f"/videos/{job_id}/content"), 404)
    assert error["metadata"]["status"] in ("pending", "in_progress")


def test_content_of_a_failed_job_is_404(make_api: Callable[..., Api]) -> None:
    api = make_api("fail")
    job_id = api.job_id()
    api.clock.advance(3600)
    assert assert_envelope(api.http.get(f"/videos/{job_id}/content"), 404)["metadata"]["status"] == "failed"


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("index=1", 404),
        ("index=99999999999999999999", 404),
        ("index=-1", 400),
        ("index=abc", 400),
        ("index=", 400),
        ("index=0&index=1", 400),
        ("index=0.5", 400),
    ],
)
def test_index_out_of_range_or_malformed(api: Api, query: str, status: int) -> None:
    job_id = api.completed_job()
    metadata = assert_envelope(api.http.get(f"/videos/{job_id}/content?{query}"), status)["metadata"]
    assert metadata.get("param") == "index" or "index" in metadata


def full(api: Api) -> tuple[str, bytes]:
    job_id = api.completed_job()
    return job_id, api.http.get(f"/videos/{job_id}/content").content


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=0-99", 0, 99), ("bytes=100-", 100, None), ("bytes=-50", -50, None), ("bytes=0-99999999", 0, None)],
)
def test_single_ranges_are_206(api: Api, header: str, start: int, end: int | None) -> None:
    job_id, whole = full(api)
    response = api.http.get(f"/videos/{job_id}/content", headers={"Range": header})
    assert response.status_code == 206 and response.headers["content-type"] == "video/mp4"
    expected = whole[start : (end + 1 if end is not None else None)] if start >= 0 else whole[start:]
    assert response.content == expected
    first = len(whole) + start if start < 0 else start
    assert response.headers["content-range"] == f"bytes {first}-{first + len(expected) - 1}/{len(whole)}"


@pytest.mark.parametrize("header", ["bytes=999999999-", "bytes=-0"])
def test_unsatisfiable_range_is_416_envelope(api: Api, header: str) -> None:
    job_id, whole = full(api)
    response = api.http.get(f"/videos/{job_id}/content", headers={"Range": header})
    assert_envelope(response, 416)
    assert response.headers["content-range"] == f"bytes */{len(whole)}"


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "items=0-5", "bytes=9-3", "garbage"])
def test_unsupported_ranges_are_ignored_and_the_whole_file_sent(api: Api, header: str) -> None:
    job_id, whole = full(api)
    response = api.http.get(f"/videos/{job_id}/content", headers={"Range": header})
    assert response.status_code == 200 and response.content == whole


def test_if_range_with_a_stale_etag_sends_the_whole_file(api: Api) -> None:
    job_id, whole = full(api)
    fresh = api.http.get(f"/videos/{job_id}/content").headers["etag"]
    same = api.http.get(f"/videos/{job_id}/content", headers={"Range": "bytes=0-9", "If-Range": fresh})
    stale = api.http.get(f"/videos/{job_id}/content", headers={"Range": "bytes=0-9", "If-Range": '"old"'})
    assert same.status_code == 206 and stale.status_code == 200 and stale.content == whole
