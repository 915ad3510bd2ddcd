"""Image parts and preflight; every host is an `httpx.MockTransport`, nothing leaves the process."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from client import BadRequestError, ModelGates, preview
from client.errors import ModelGatesError
from client.images import (
    ImagePreflightError,
    PreflightResult,
    apreflight,
    first_frame,
    frames,
    last_frame,
    preflight,
    reference,
)
from client.models import VideoRequest
from mockserver import MockConfig, SyncASGITransport, VirtualClock, create_app, mock_controller, new_api_key

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
PNG_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()
IMAGE = "https://images.example.com/first.jpg"
BASE_URL = "http://testserver/api/v1"

Handler = Callable[[httpx.Request], httpx.Response]


def image_host(status: int = 200, headers: dict[str, str] | None = None) -> Handler:
    given = {"content-type": "image/jpeg", "content-length": "1234"} if headers is None else headers

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=given)

    return handle


def recording(handler: Handler, seen: list[httpx.Request]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return httpx.MockTransport(handle)


def check(url: str, handler: Handler, seen: list[httpx.Request] | None = None) -> PreflightResult:
    with httpx.Client(transport=recording(handler, [] if seen is None else seen)) as client:
        return preflight(url, http_client=client)


def refused(url: str, handler: Handler | None = None) -> str:
    with pytest.raises(ImagePreflightError) as info:
        check(url, handler or image_host())
    return info.value.reason


# --- parts --------------------------------------------------------------------------------------


def test_parts_serialize_as_the_seed_shows() -> None:
    body = VideoRequest(
        model="google/veo-3.1-lite",
        prompt="p",
        frame_images=frames(first="https://x.test/a.jpg", last="https://x.test/b.jpg"),
        input_references=[reference("https://x.test/r.jpg")],
    ).to_body()
    assert body["frame_images"] == [
        {
            "type": "image_url",
            "image_url": {"url": "https://x.test/a.jpg"},
            "frame_type": "first_frame",
        },
        {
            "type": "image_url",
            "image_url": {"url": "https://x.test/b.jpg"},
            "frame_type": "last_frame",
        },
    ]
    assert body["input_references"] == [{"type": "image_url", "image_url": {"url": "https://x.test/r.jpg"}}]


def test_frames_keeps_only_what_is_given() -> None:
    assert frames() == []
    assert frames(last="https://x.test/b.jpg") == [last_frame("https://x.test/b.jpg")]
    assert [f.frame_type for f in frames(first="https://x.test/a.jpg")] == ["first_frame"]
    assert first_frame("u").image_url.url == "u"


# --- remote URLs ------------------------------------------------------------------------------


def test_an_image_passes_with_a_single_head_and_no_credentials() -> None:
    seen: list[httpx.Request] = []
    result = check(IMAGE, image_host(headers={"content-type": "image/JPEG; q=1"}), seen)
    assert result == PreflightResult(IMAGE, "image/jpeg", 200, None)
    assert [(r.method, str(r.url)) for r in seen] == [("HEAD", IMAGE)]
    assert "authorization" not in seen[0].headers


def test_head_405_falls_back_to_get() -> None:
    seen: list[httpx.Request] = []

    def no_head(request: httpx.Request) -> httpx.Response:
        if request.method == "HEAD":
            return httpx.Response(405)
        return httpx.Response(200, headers={"content-type": "image/png"}, content=PNG)

    result = check(IMAGE, no_head, seen)
    assert [r.method for r in seen] == ["HEAD", "GET"]
    assert (result.status_code, result.content_type, result.size) == (200, "image/png", len(PNG))


@pytest.mark.parametrize(
    ("handler", "reason"),
    [
        (image_host(404), "HTTP 404, expected 200"),
        (image_host(403), "HTTP 403, expected 200"),
        (
            image_host(headers={"content-type": "text/html"}),
            "content type 'text/html', expected image/*",
        ),
        (image_host(headers={}), "content type missing, expected image/*"),
        (
            image_host(headers={"content-type": "image/png", "content-length": "0"}),
            "the host answers an empty body",
        ),
        (
            image_host(302, {"location": "https://cdn.test/x.jpg"}),
            "HTTP 302 redirect to https://cdn.test/x.jpg; use the final URL",
        ),
    ],
)
def test_unusable_answers_are_refused_with_a_reason(handler: Handler, reason: str) -> None:
    assert refused(IMAGE, handler) == reason


def test_a_host_that_cannot_be_reached_is_a_typed_error() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(ModelGatesError, match=r"could not fetch \(connection refused\)"):
        check(IMAGE, down)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://x.test/a.jpg", "scheme 'ftp'; use an https: or data: URL"),
        ("file:///tmp/a.jpg", "scheme 'file'; use an https: or data: URL"),
        ("images/a.jpg", "no scheme; use an https: or data: URL"),
        ("http://x.test/a.jpg", "http: images are refused by the API; use an https: or data: URL"),
        ("https:///a.jpg", "no host in the URL"),
    ],
)
def test_schemes_are_checked_before_any_request(url: str, reason: str) -> None:
    seen: list[httpx.Request] = []
    with pytest.raises(ImagePreflightError) as info:
        check(url, image_host(), seen)
    assert (info.value.reason, seen) == (reason, [])


@pytest.mark.parametrize(
    "url",
    [IMAGE, PNG_URL, "http://localhost/a.jpg", "http://127.0.0.1:8000/a.jpg", "http://[::1]/a.jpg", "ftp://x.test/a"],
)
def test_preflight_preview_and_the_mock_agree_on_every_image_url(url: str) -> None:
    # A URL preflight passes must not be refused at submit: providers fetch images over https only.
    seen: list[httpx.Request] = []
    try:
        check(url, image_host(), seen)
        preflighted = True
    except ImagePreflightError:
        preflighted = False
    request = VideoRequest(model="google/veo-3.1-lite", prompt="p", duration=4, frame_images=frames(first=url))
    app = create_app(MockConfig(scenario="happy"), clock=VirtualClock())
    with ModelGates(api_key=new_api_key(4), base_url=BASE_URL, transport=SyncASGITransport(app)) as mg:
        model = next(m for m in mg.list_models() if m.id == request.model)
        previewed = not preview(request, model)
        try:
            mg.submit(request)
            accepted = True
        except BadRequestError:
            accepted = False
    assert preflighted == previewed == accepted == url.startswith(("https:", "data:"))
    assert seen == [] or preflighted  # a refused URL is refused before any request


# --- data: URLs -------------------------------------------------------------------------------


def test_data_url_is_checked_locally() -> None:
    seen: list[httpx.Request] = []
    result = check(PNG_URL, image_host(), seen)
    assert (result.content_type, result.status_code, result.size, seen) == (
        "image/png",
        None,
        len(PNG),
        [],
    )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("data:image/png;base64", "malformed data: URL (no ',' before the data)"),
        ("data:text/plain;base64,aGk=", "media type text/plain, expected image/*"),
        ("data:;base64,aGk=", "media type missing, expected image/*"),
        ("data:image/png,rawbytes", "data: URL is not base64-encoded (;base64 is missing)"),
        ("data:image/png;base64,@@@", "data: URL payload is not valid base64"),
        ("data:image/png;base64,", "data: URL holds no image data"),
    ],
)
def test_bad_data_urls(url: str, reason: str) -> None:
    assert refused(url) == reason


def test_long_urls_are_shortened_in_messages() -> None:
    url = "data:text/plain;base64," + "A" * 10_000
    with pytest.raises(ImagePreflightError) as info:
        check(url, image_host())
    assert len(str(info.value)) < 160
    assert info.value.url == url


# --- async twin -------------------------------------------------------------------------------


def acheck(url: str, handler: Handler, seen: list[httpx.Request]) -> PreflightResult:
    async def run() -> PreflightResult:
        async with httpx.AsyncClient(transport=recording(handler, seen)) as client:
            return await apreflight(url, http_client=client)

    return asyncio.run(run())


def test_async_twin_behaves_the_same() -> None:
    seen: list[httpx.Request] = []

    def no_head(request: httpx.Request) -> httpx.Response:
        status = 405 if request.method == "HEAD" else 200
        return httpx.Response(status, headers={"content-type": "image/webp"})

    assert acheck(IMAGE, no_head, seen).content_type == "image/webp"
    assert [r.method for r in seen] == ["HEAD", "GET"]
    assert acheck(PNG_URL, no_head, seen).status_code is None
    with pytest.raises(ImagePreflightError, match="HTTP 500"):
        acheck(IMAGE, image_host(500), seen)


# --- the seed 004 flows through the client, against the mock in-process ------------------------


@pytest.mark.parametrize("last", [None, PNG_URL], ids=["first-frame", "first-and-last-frame"])
def test_seed_004_flows_against_the_mock(last: str | None, tmp_path: Path) -> None:
    clock = VirtualClock()
    app = create_app(MockConfig(scenario="happy"), clock=clock)
    seen: list[httpx.Request] = []
    transport = recording(SyncASGITransport(app).handle_request, seen)
    request = VideoRequest(
        model="google/veo-3.1-lite",
        prompt="The camera slowly pushes in as the subject turns toward warm window light",
        duration=4,
        resolution="720p",
        aspect_ratio="16:9",
        generate_audio=False,
        frame_images=frames(first=PNG_URL, last=last),
    )
    assert preflight(PNG_URL).size == len(PNG)
    key = new_api_key(4)
    with ModelGates(api_key=key, base_url=BASE_URL, transport=transport, sleep=clock.advance, clock=clock.now) as mg:
        job = mg.generate(request, to=tmp_path / "image-video.mp4")
    assert job.status == "completed"
    assert (tmp_path / "image-video.mp4").read_bytes()[4:8] == b"ftyp"
    sent = json.loads(next(r for r in seen if r.method == "POST").content)
    assert sent["frame_images"] == request.to_body()["frame_images"]
    assert len(sent["frame_images"]) == (2 if last else 1)


def test_image_download_failed_makes_a_retry_loop_spin_and_an_inline_image_gets_the_job(tmp_path: Path) -> None:
    clock = VirtualClock()
    app = create_app(MockConfig(scenario="image-download-failed", api_version="2026-10"), clock=clock)
    transport = SyncASGITransport(app)
    key = new_api_key(4)
    request = VideoRequest(model="google/veo-3.1-lite", prompt="Push in", frame_images=frames(first=IMAGE))
    # The bug it finds: an app that retries a failed submit as if it were transient never gets a
    # job (the provider fails the same URL every time), and one that reads every 400 as a
    # validation error finds no `errors` list to show.
    with httpx.Client(transport=transport, headers={"Authorization": f"Bearer {key}"}) as http:
        answers = [http.post(f"{BASE_URL}/videos", json=request.to_body()) for _ in range(5)]
    assert {answer.status_code for answer in answers} == {400}
    metadata = answers[-1].json()["error"]["metadata"]
    assert metadata == {"error_type": "image_download_failed", "param": "frame_images[0].image_url.url", "url": IMAGE}
    assert mock_controller(app).job_count == 0 and mock_controller(app).ledger() == []  # nothing made or billed
    # What works: read the typed error, and send the image inline instead.
    with ModelGates(api_key=key, base_url=BASE_URL, transport=transport, sleep=clock.advance, clock=clock.now) as mg:
        with pytest.raises(BadRequestError) as refused:
            mg.submit(request)
        assert refused.value.metadata is not None and refused.value.metadata["url"] == IMAGE
        inline = request.model_copy(update={"frame_images": frames(first=PNG_URL)})
        job = mg.generate(inline, to=tmp_path / "inline.mp4")
    assert job.status == "completed" and mock_controller(app).job_count == 1
