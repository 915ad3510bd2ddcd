"""`/_mock/`: the control API over HTTP. Each handler: authenticate, parse, call the `Controller`.

Public: the health check, the dashboard page and this API's own OpenAPI document. Everything else
needs `Authorization: Bearer <admin token>` (operator: every key) or `Bearer <API key>` (that
key only). Every error is the API's envelope; none of this traffic goes into the journal.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import mockserver.control._params as params
from mockserver._resources import control_document_path, dashboard_path
from mockserver.control.controller import MAX_LIMIT, OPERATOR, Controller, Scope, job_summary
from mockserver.domain.errors import ApiError
from mockserver.http.instance import MockState
from mockserver.wire.auth import bearer_token, check_api_key, is_admin_token

__all__ = ["control_routes"]

PREFIX = "/_mock"


def _controller(request: Request) -> Controller:
    controller: Controller = request.app.state.control
    return controller


def _scope(request: Request) -> Scope:
    state: MockState = request.app.state.mock
    token = bearer_token(request.headers.get("authorization"))
    if is_admin_token(token, state.admin_token):
        return OPERATOR
    try:
        return Scope(check_api_key(token, state.config.api_keys))
    except ApiError:
        raise ApiError(401, "Invalid token: expected the admin token or an API key") from None


async def health(request: Request) -> Response:
    return JSONResponse(_controller(request).health())


async def dashboard(request: Request) -> Response:
    # The token travels in the URL fragment, which browsers never send; the page reads it itself.
    return Response(
        _read(dashboard_path()),
        media_type="text/html; charset=utf-8",
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


async def document(request: Request) -> Response:
    return Response(_read(control_document_path()), media_type="application/yaml")


async def list_jobs(request: Request) -> Response:
    scope = _scope(request)
    query = request.query_params
    limit = params.integer(query, "limit", default=100, low=1, high=MAX_LIMIT)
    jobs = _controller(request).jobs(
        scope, status=params.text(query, "status"), key=params.text(query, "key"), limit=limit
    )
    return JSONResponse({"jobs": [job_summary(job) for job in jobs]})


async def get_job(request: Request) -> Response:
    job = _controller(request).job(_scope(request), request.path_params["job_id"])
    return JSONResponse(job_summary(job))


async def advance_job(request: Request) -> Response:
    scope = _scope(request)
    body = params.fields(await params.json_object(request), {"status": str, "error": str})
    job = _controller(request).advance_job(scope, request.path_params["job_id"], body.get("status"), body.get("error"))
    return JSONResponse(job_summary(job))


async def video(request: Request) -> Response:
    data = _controller(request).video(_scope(request), request.path_params["job_id"])
    return Response(data, media_type="video/mp4", headers={"Cache-Control": "no-store"})


async def advance_clock(request: Request) -> Response:
    scope = _scope(request)
    seconds = params.seconds(await params.json_object(request))
    now = _controller(request).advance_clock(scope, seconds)
    return JSONResponse({"now": now, "advanced": seconds})


async def key(request: Request) -> Response:
    # One handler for GET and PATCH, so a 405 on this path lists both in `Allow`.
    scope, key = _scope(request), request.path_params["key"]
    if request.method == "GET":
        return JSONResponse(_controller(request).key(scope, key))
    allowed: dict[str, type | tuple[type, ...]] = {"scenario": (str, type(None)), "credits": object, "disabled": bool}
    body = params.fields(await params.json_object(request), allowed)
    changes: dict[str, Any] = {}
    if "disabled" in body:
        changes["disabled"] = body["disabled"]
    if "scenario" in body:
        changes["scenario"] = body["scenario"]
    if "credits" in body:
        changes["credits"] = params.credits(body["credits"])
    return JSONResponse(_controller(request).update_key(scope, key, **changes))


async def reset(request: Request) -> Response:
    _controller(request).reset(_scope(request))
    return JSONResponse({"reset": True})


async def journal(request: Request) -> Response:
    scope = _scope(request)
    query = request.query_params
    page = _controller(request).journal(
        scope,
        since=params.integer(query, "since", default=0, low=0, high=2**53),
        limit=params.integer(query, "limit", default=200, low=1, high=MAX_LIMIT),
        tail=params.flag(query, "tail"),
    )
    return JSONResponse(page)


async def webhooks(request: Request) -> Response:
    return JSONResponse({"deliveries": _controller(request).deliveries(_scope(request))})


@cache
def _read(path: Any) -> bytes:
    data: bytes = path.read_bytes()
    return data


def control_routes() -> list[Route]:
    return [
        Route(f"{PREFIX}/", dashboard, methods=["GET"]),
        Route(f"{PREFIX}/health", health, methods=["GET"]),
        Route(f"{PREFIX}/openapi.yaml", document, methods=["GET"]),
        Route(f"{PREFIX}/jobs", list_jobs, methods=["GET"]),
        Route(f"{PREFIX}/jobs/{{job_id}}", get_job, methods=["GET"]),
        Route(f"{PREFIX}/jobs/{{job_id}}/advance", advance_job, methods=["POST"]),
        Route(f"{PREFIX}/jobs/{{job_id}}/video", video, methods=["GET"]),
        Route(f"{PREFIX}/clock/advance", advance_clock, methods=["POST"]),
        Route(f"{PREFIX}/keys/{{key}}", key, methods=["GET", "PATCH"]),
        Route(f"{PREFIX}/reset", reset, methods=["POST"]),
        Route(f"{PREFIX}/journal", journal, methods=["GET"]),
        Route(f"{PREFIX}/webhooks", webhooks, methods=["GET"]),
    ]
