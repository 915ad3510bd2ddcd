"""The vendor's four operations under /api/v1, plus the document. Each: parse, call, render."""

from __future__ import annotations

import json
import re
import sys

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .auth import bearer_token, check_api_key
from .config import SCENARIO_HEADER
from .content import byte_range
from .errors import ApiError
from .render import render_job
from .state import MockState
from .validation import parse_json, read_body

__all__ = ["api_routes"]

_INDEX = re.compile(r"[0-9]+")
_PLAIN_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


# JSONResponse's bytes, without building a new JSONEncoder for every response (json.dumps does
# whenever it is given options).
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _json(body: object, status: int = 200) -> Response:
    return Response(_ENCODER.encode(body).encode(), status, media_type="application/json")


def _state(request: Request) -> MockState:
    state: MockState = request.app.state.mock
    return state


def _tenant(request: Request, state: MockState) -> str:
    """The API key of the caller; 401 when it is missing, malformed or unknown."""
    # Every job and ledger entry of the key then shares one string (memory per job).
    return sys.intern(check_api_key(bearer_token(request.headers.get("authorization")), state.config.api_keys))


def _base(request: Request, state: MockState) -> str:
    if state.config.public_base_url:
        return state.config.public_base_url.rstrip("/")
    # A plain Host header is the URL's netloc; `request.url` would parse and rebuild the whole URL
    # on every poll (~15% of its time) to give the same string.
    host = request.headers.get("host", "")
    if _PLAIN_HOST.fullmatch(host):
        return sys.intern(f"{request.scope['scheme']}://{host}/api/v1")  # kept by every job
    return f"{request.url.scheme}://{request.url.netloc}/api/v1"


async def submit(request: Request) -> Response:
    state = _state(request)
    tenant = _tenant(request, state)
    raw = await read_body(request.stream(), state.config.max_body_bytes, request.headers.get("content-length"))
    body = parse_json(raw, request.headers.get("content-type"))
    base = _base(request, state)
    job = state.service.submit(tenant, body, request.headers.get(SCENARIO_HEADER), base)
    return _json(render_job(job, base), 202)


async def poll(request: Request) -> Response:
    state = _state(request)
    tenant = _tenant(request, state)
    job = state.service.poll(tenant, request.path_params["job_id"])
    return _json(render_job(job, _base(request, state)))


def _index(request: Request) -> int:
    values = request.query_params.getlist("index")
    if not values:
        return 0
    if len(values) > 1 or not _INDEX.fullmatch(values[0]):
        raise ApiError.invalid("index", "index must be a non-negative integer", value=values)
    return int(values[0])


async def content(request: Request) -> Response:
    state = _state(request)
    tenant = _tenant(request, state)
    index = _index(request)
    job = state.service.content(tenant, request.path_params["job_id"], index)
    video = state.videos.for_ratio(job.aspect_ratio)
    data, headers = video.data, {"Accept-Ranges": "bytes", "ETag": video.etag}
    if_range = request.headers.get("if-range")
    span = byte_range(request.headers.get("range"), len(data))
    if span is None or (if_range is not None and if_range != video.etag):
        return Response(data, media_type="video/mp4", headers=headers)
    start, end = span
    headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
    return Response(data[start : end + 1], status_code=206, media_type="video/mp4", headers=headers)


async def models(request: Request) -> Response:
    # Public: credentials are optional and a bad one is ignored, as on the real service; a
    # valid key still selects that key's scenario.
    state = _state(request)
    tenant: str | None
    try:
        tenant = _tenant(request, state)
    except ApiError:
        tenant = None
    return Response(state.service.models(tenant), media_type="application/json")


async def document_yaml(request: Request) -> Response:
    return Response(_state(request).document.text, media_type="application/yaml")


async def document_json(request: Request) -> Response:
    return Response(_state(request).document.json_bytes, media_type="application/json")


def api_routes() -> list[Route]:
    return [
        Route("/api/v1/videos", submit, methods=["POST"]),
        # Before /videos/{job_id}, which would otherwise take "models" for a job id.
        Route("/api/v1/videos/models", models, methods=["GET"]),
        Route("/api/v1/videos/{job_id}", poll, methods=["GET"]),
        Route("/api/v1/videos/{job_id}/content", content, methods=["GET"]),
        Route("/openapi.yaml", document_yaml, methods=["GET"]),
        Route("/openapi.json", document_json, methods=["GET"]),
    ]
