"""Deliberately broken ModelGates fakes, for proving that `python -m contracts URL` can fail.

Independent of `mockserver` and `contracts` on purpose (only the document is shared): a small
Starlette app that keeps the contract except for one named defect. Not a test module.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

DOCUMENT = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi" / "modelgates.yaml").read_text())
KEY = "sk-mg-v1-" + "5e" * 32
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(2048)
DEFECTS = (
    "content-type",  # content served as application/octet-stream
    "not-mp4",  # content says video/mp4 but the bytes are an HTML page
    "null-field",  # "generation_id": null in every job
    "unknown-status",  # a completed job says "done"
    "plain-404",  # unknown jobs answer a plain-text 404
    "all-401",  # every request answers 401
    "status-backwards",  # every second poll goes back to in_progress
    "polling-url",  # polling_url points at another API version
)

_REQUEST = jsonschema_rs.Draft202012Validator(
    {"$ref": "#/components/schemas/VideoGenerationRequest", "components": DOCUMENT["components"]},
    validate_formats=True,
)
_MODEL = {
    "id": "google/veo-3.1-lite",
    "canonical_slug": "google/veo-3.1-lite-20260101",
    "name": "Google: Veo 3.1 Lite",
    "created": 1767225600,
    "description": "",
    "hugging_face_id": None,
    "supported_resolutions": ["720p"],
    "supported_aspect_ratios": ["16:9"],
    "supported_sizes": None,
    "supported_durations": [4, 6, 8],
    "supported_frame_images": ["first_frame"],
    "generate_audio": True,
    "seed": None,
    "allowed_passthrough_parameters": [],
    "creativity": None,
    "upscale_factor": None,
    "pricing_skus": {},
}


def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": status, "message": message}}, status, headers=headers)


def broken_app(defect: str) -> Starlette:
    """A fake whose only contract violation is `defect` (one of `DEFECTS`)."""
    if defect not in DEFECTS:
        raise ValueError(defect)
    jobs: dict[str, dict[str, Any]] = {}

    def authorized(request: Request) -> bool:
        return defect != "all-401" and request.headers.get("authorization") == f"Bearer {KEY}"

    def render(request: Request, job_id: str) -> dict[str, Any]:
        base = f"{request.url.scheme}://{request.url.netloc}/api/v1"
        job = jobs[job_id]
        polling_base = base.replace("/api/v1", "/api/v2") if defect == "polling-url" else base
        body: dict[str, Any] = {"id": job_id, "polling_url": f"{polling_base}/videos/{job_id}", "status": job["status"]}
        if defect == "null-field":
            body["generation_id"] = None
        if job["status"] == "completed":
            body["unsigned_urls"] = [f"{base}/videos/{job_id}/content?index=0"]
            body["usage"] = {"cost": 0.2, "is_byok": False}
        if defect == "unknown-status" and job["status"] == "completed":
            body["status"] = "done"
        return body

    async def submit(request: Request) -> Response:
        if not authorized(request):
            return _error(401, "Missing Authentication header")
        try:
            body = json.loads(await request.body())
        except ValueError:
            return _error(400, "Malformed JSON")
        if request.headers.get("content-type", "").split(";")[0] != "application/json" or not _REQUEST.is_valid(body):
            return _error(400, "Invalid request parameters")
        job_id = secrets.token_hex(10)
        jobs[job_id] = {"status": "pending"}
        return JSONResponse(render(request, job_id), 202)

    def not_found() -> Response:
        if defect == "plain-404":
            return PlainTextResponse("Not Found", 404)
        return _error(404, "Resource not found")

    async def poll(request: Request) -> Response:
        job_id = request.path_params["job_id"]
        if not authorized(request):
            return _error(401, "Missing Authentication header")
        if job_id not in jobs:
            return not_found()
        job = jobs[job_id]
        job["polls"] = job.get("polls", 0) + 1
        job["status"] = "completed"  # one poll and it is done
        if defect == "status-backwards" and job["polls"] % 2 == 0:
            job["status"] = "in_progress"
        return JSONResponse(render(request, job_id))

    async def content(request: Request) -> Response:
        job_id = request.path_params["job_id"]
        if not authorized(request):
            return _error(401, "Missing Authentication header")
        index = request.query_params.get("index", "0")
        if not index.isdigit() or len(request.query_params.getlist("index")) > 1:
            return _error(400, "index must be a non-negative integer")
        if job_id not in jobs or jobs[job_id]["status"] != "completed" or int(index) > 0:
            return not_found()
        media_type = "application/octet-stream" if defect == "content-type" else "video/mp4"
        video = b"<html><body>Your video is ready!</body></html>" if defect == "not-mp4" else MP4
        return Response(video, media_type=media_type, headers={"Accept-Ranges": "bytes"})

    async def models(request: Request) -> Response:
        if defect == "all-401" or ("authorization" in request.headers and not authorized(request)):
            return _error(401, "Invalid API key")
        return JSONResponse({"data": [_MODEL]})

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            return not_found()
        return _error(exc.status_code, str(exc.detail), headers=exc.headers)

    routes = [
        Route("/api/v1/videos", submit, methods=["POST"]),
        Route("/api/v1/videos/models", models, methods=["GET"]),
        Route("/api/v1/videos/{job_id}", poll, methods=["GET"]),
        Route("/api/v1/videos/{job_id}/content", content, methods=["GET"]),
    ]
    return Starlette(routes=routes, exception_handlers={HTTPException: http_error})
