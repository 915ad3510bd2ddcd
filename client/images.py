"""Image-to-video helpers (seed 004): typed image parts and an image URL preflight.

Providers fetch frame and reference images themselves, and a URL they cannot fetch (an HTML
page, a redirect, a bot check) fails the paid job late. `preflight` checks up front what the
seed does with `curl -I`: the URL answers 200 with an `image/*` content type. It sends no API
key, so the key never reaches an image host.
"""

from __future__ import annotations

import base64
import binascii
from contextlib import nullcontext
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from client.errors import ModelGatesError
from client.models import ContentPartImage, FrameImage, ImageUrl

__all__ = [
    "ImagePreflightError",
    "PreflightResult",
    "apreflight",
    "first_frame",
    "frames",
    "last_frame",
    "preflight",
    "reference",
]

DEFAULT_TIMEOUT = 10.0
HEAD_UNSUPPORTED = frozenset({405, 501})  # ask again with GET, reading only the headers


def first_frame(url: str) -> FrameImage:
    """An image the video must start on."""
    return FrameImage(image_url=ImageUrl(url=url), frame_type="first_frame")


def last_frame(url: str) -> FrameImage:
    """An image the video must end on."""
    return FrameImage(image_url=ImageUrl(url=url), frame_type="last_frame")


def reference(url: str) -> ContentPartImage:
    """A reference image that guides the video without fixing a frame (`input_references`)."""
    return ContentPartImage(image_url=ImageUrl(url=url))


def frames(first: str | None = None, last: str | None = None) -> list[FrameImage]:
    """The `frame_images` list for an optional first and an optional last frame."""
    parts = [first_frame(first) if first else None, last_frame(last) if last else None]
    return [part for part in parts if part is not None]


@dataclass(frozen=True)
class PreflightResult:
    """A usable image URL. `status_code` is None for a `data:` URL, which is checked locally."""

    url: str
    content_type: str
    status_code: int | None
    size: int | None  # decoded bytes of a data: URL, else the Content-Length if the host sent one


class ImagePreflightError(ModelGatesError):
    """An image URL that a provider would fail to fetch, with the reason."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"image {shorten(url)}: {reason}")
        self.url = url
        self.reason = reason


def shorten(url: str, limit: int = 80) -> str:
    """A URL short enough for a one-line message (data: URLs can be megabytes long)."""
    return url if len(url) <= limit else url[: limit - 3] + "..."


def preflight(
    url: str, *, http_client: httpx.Client | None = None, timeout: float = DEFAULT_TIMEOUT
) -> PreflightResult:
    """Check that `url` serves an image; raise `ImagePreflightError` saying why it does not."""
    if is_data_url(url):
        return check_data_url(url)
    check_remote_url(url)
    owned = httpx.Client(timeout=timeout) if http_client is None else nullcontext(http_client)
    with owned as client:
        try:
            response = client.head(url, follow_redirects=False)
            if response.status_code in HEAD_UNSUPPORTED:
                with client.stream("GET", url, follow_redirects=False) as response:
                    pass  # the headers are enough; the body is never read
        except httpx.HTTPError as exc:
            raise unreachable(url, exc) from exc
    return check_response(url, response)


async def apreflight(
    url: str, *, http_client: httpx.AsyncClient | None = None, timeout: float = DEFAULT_TIMEOUT
) -> PreflightResult:
    """The async twin of `preflight`."""
    if is_data_url(url):
        return check_data_url(url)
    check_remote_url(url)
    owned = httpx.AsyncClient(timeout=timeout) if http_client is None else nullcontext(http_client)
    async with owned as client:
        try:
            response = await client.head(url, follow_redirects=False)
            if response.status_code in HEAD_UNSUPPORTED:
                async with client.stream("GET", url, follow_redirects=False) as response:
                    pass  # the headers are enough; the body is never read
        except httpx.HTTPError as exc:
            raise unreachable(url, exc) from exc
    return check_response(url, response)


# --- the checks, shared by both twins (no I/O) ---------------------------------------------------


def is_data_url(url: str) -> bool:
    return url[:5].lower() == "data:"


def check_remote_url(url: str) -> None:
    """Accept https only, as the API and `preview` do: providers fetch images themselves, and a
    localhost image would pass here only to be refused at submit."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    if scheme == "http":
        raise ImagePreflightError(url, "http: images are refused by the API; use an https: or data: URL")
    if scheme != "https":
        shown = f"scheme {scheme!r}" if scheme else "no scheme"
        raise ImagePreflightError(url, f"{shown}; use an https: or data: URL")
    if not host:
        raise ImagePreflightError(url, "no host in the URL")


def check_data_url(url: str) -> PreflightResult:
    """Check a `data:` URL locally: an image/* media type and a base64 payload that decodes."""
    header, comma, payload = url[5:].partition(",")
    if not comma:
        raise ImagePreflightError(url, "malformed data: URL (no ',' before the data)")
    media_type, *params = (part.strip().lower() for part in header.split(";"))
    if not media_type.startswith("image/"):
        raise ImagePreflightError(url, f"media type {media_type or 'missing'}, expected image/*")
    if "base64" not in params:
        raise ImagePreflightError(url, "data: URL is not base64-encoded (;base64 is missing)")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImagePreflightError(url, "data: URL payload is not valid base64") from exc
    if not data:
        raise ImagePreflightError(url, "data: URL holds no image data")
    return PreflightResult(url=url, content_type=media_type, status_code=None, size=len(data))


def check_response(url: str, response: httpx.Response) -> PreflightResult:
    """Turn the host's answer into a result, or an error naming what a provider would trip on."""
    status = response.status_code
    if response.is_redirect:
        target = response.headers.get("location", "?")
        raise ImagePreflightError(url, f"HTTP {status} redirect to {target}; use the final URL")
    if status != 200:
        raise ImagePreflightError(url, f"HTTP {status}, expected 200")
    content_type = response.headers.get("content-type", "")
    media_type = content_type.partition(";")[0].strip().lower()
    if not media_type.startswith("image/"):
        shown = repr(media_type) if media_type else "missing"
        raise ImagePreflightError(url, f"content type {shown}, expected image/*")
    length = response.headers.get("content-length", "")
    size = int(length) if length.isdigit() else None
    if size == 0:
        raise ImagePreflightError(url, "the host answers an empty body")
    return PreflightResult(url=url, content_type=media_type, status_code=status, size=size)


def unreachable(url: str, exc: httpx.HTTPError) -> ImagePreflightError:
    detail = str(exc) or type(exc).__name__
    return ImagePreflightError(url, f"could not fetch ({detail})")
