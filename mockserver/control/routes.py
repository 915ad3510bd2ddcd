"""`/_mock/`: the control API over HTTP. Each handler: authenticate, parse, call the `Controller`.

Public: the health check, the dashboard page and this API's own OpenAPI document. Everything else
needs `Authorization: Bearer <admin token>` (operator: every key) or `Bearer <API key>` (that
key only). Every error is the API's envelope; none of this traffic goes into the journal.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import mockserver.control._params as params
from mockserver._resources import control_document_path, dashboard_path
from mockserver.control._inputs import MAX_LIMIT
from mockserver.control.controller import Controller
from mockserver.control.scope import OPERATOR, Scope
from mockserver.control.summaries import job_summary
from mockserver.domain.errors import ApiError
from mockserver.wire.auth import bearer_token, check_api_key, is_admin_token

__all__ = ["ControlApi", "control_routes"]

PREFIX = "/_mock"


class ControlApi:
    """The `/_mock/` handlers of one mock: each authenticates, parses and calls the `Controller`."""

    def __init__(self, controller: Controller, *, admin_token: str, api_keys: Collection[str] | None) -> None:
        self.controller = controller
        self.admin_token = admin_token
        self.api_keys = api_keys

    def _scope(self, request: Request) -> Scope:
        token = bearer_token(request.headers.get("authorization"))
        if is_admin_token(token, self.admin_token):
            return OPERATOR
        try:
            return Scope(check_api_key(token, self.api_keys))
        except ApiError:
            raise ApiError(401, "Invalid token: expected the admin token or an API key") from None

    async def health(self, request: Request) -> Response:
        return JSONResponse(self.controller.health())

    async def dashboard(self, request: Request) -> Response:
        # The token travels in the URL fragment, which browsers never send; the page reads it itself.
        return Response(
            _read(dashboard_path()),
            media_type="text/html; charset=utf-8",
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )

    async def document(self, request: Request) -> Response:
        return Response(_read(control_document_path()), media_type="application/yaml")

    async def list_jobs(self, request: Request) -> Response:
        scope = self._scope(request)
        query = request.query_params
        limit = params.integer(query, "limit", default=100, low=1, high=MAX_LIMIT)
        jobs = self.controller.jobs(
            # `status=` (empty) is a 400 like any value outside the enum: a filter that names no
            # status is a caller's bug, and answering every job would hide it (openapi/DECISIONS.md).
            scope,
            status=params.given(query, "status"),
            key=params.text(query, "key"),
            limit=limit,
        )
        return JSONResponse({"jobs": [job_summary(job) for job in jobs]})

    async def get_job(self, request: Request) -> Response:
        job = self.controller.job(self._scope(request), request.path_params["job_id"])
        return JSONResponse(job_summary(job))

    async def advance_job(self, request: Request) -> Response:
        scope = self._scope(request)
        body = params.fields(await params.json_object(request), {"status": str, "error": str})
        job = self.controller.advance_job(scope, request.path_params["job_id"], body.get("status"), body.get("error"))
        return JSONResponse(job_summary(job))

    async def video(self, request: Request) -> Response:
        data = await self.controller.video(self._scope(request), request.path_params["job_id"])
        return Response(data, media_type="video/mp4", headers={"Cache-Control": "no-store"})

    async def advance_clock(self, request: Request) -> Response:
        scope = self._scope(request)
        seconds = params.seconds(await params.json_object(request))
        now = self.controller.advance_clock(scope, seconds)
        return JSONResponse({"now": now, "advanced": seconds})

    async def key(self, request: Request) -> Response:
        # One handler for GET and PATCH, so a 405 on this path lists both in `Allow`.
        scope, key = self._scope(request), request.path_params["key"]
        if request.method == "GET":
            return JSONResponse(self.controller.key(scope, key))
        allowed: dict[str, type | tuple[type, ...]] = {
            "scenario": (str, type(None)),
            "credits": object,
            "disabled": bool,
        }
        body = params.fields(await params.json_object(request), allowed)
        changes: dict[str, Any] = {}
        if "disabled" in body:
            changes["disabled"] = body["disabled"]
        if "scenario" in body:
            changes["scenario"] = body["scenario"]
        if "credits" in body:
            changes["credits"] = params.credits(body["credits"])
        return JSONResponse(self.controller.update_key(scope, key, **changes))

    async def reset(self, request: Request) -> Response:
        self.controller.reset(self._scope(request))
        return JSONResponse({"reset": True})

    async def journal(self, request: Request) -> Response:
        scope = self._scope(request)
        query = request.query_params
        page = self.controller.journal(
            scope,
            since=params.integer(query, "since", default=0, low=0, high=2**53),
            limit=params.integer(query, "limit", default=200, low=1, high=MAX_LIMIT),
            tail=params.flag(query, "tail"),
        )
        return JSONResponse(page)

    async def reload_scenarios(self, request: Request) -> Response:
        return JSONResponse(self.controller.reload_scenarios(self._scope(request)))

    async def checks(self, request: Request) -> Response:
        scope = self._scope(request)
        query = request.query_params
        rules = params.text(query, "rules")
        interval = params.given(query, "min_interval")  # `min_interval=` is a bad number, not absent
        submits = params.given(query, "max_submits")
        result = self.controller.checks(
            scope,
            # Names exactly as the document's enum spells them; empty items (`rules=`, `a,,b`) are
            # none, and none at all is every rule (`rules=` is [""] to a client of the document).
            rules=[rule for rule in rules.split(",") if rule] or None if rules else None,
            min_interval=params.number(query, "min_interval", high=86_400.0) if interval is not None else None,
            max_submits=params.integer(query, "max_submits", default=0, low=0, high=1_000_000)
            if submits is not None
            else None,
            key=params.text(query, "key"),
            since=params.integer(query, "since", default=0, low=0, high=2**53),
        )
        return JSONResponse(result)

    async def webhooks(self, request: Request) -> Response:
        return JSONResponse({"deliveries": self.controller.deliveries(self._scope(request))})


@cache
def _read(path: Any) -> bytes:
    data: bytes = path.read_bytes()
    return data


def control_routes(controller: Controller, *, admin_token: str, api_keys: Collection[str] | None = None) -> list[Route]:
    api = ControlApi(controller, admin_token=admin_token, api_keys=api_keys)
    return [
        Route(f"{PREFIX}/", api.dashboard, methods=["GET"]),
        Route(f"{PREFIX}/health", api.health, methods=["GET"]),
        Route(f"{PREFIX}/openapi.yaml", api.document, methods=["GET"]),
        Route(f"{PREFIX}/jobs", api.list_jobs, methods=["GET"]),
        Route(f"{PREFIX}/jobs/{{job_id}}", api.get_job, methods=["GET"]),
        Route(f"{PREFIX}/jobs/{{job_id}}/advance", api.advance_job, methods=["POST"]),
        Route(f"{PREFIX}/jobs/{{job_id}}/video", api.video, methods=["GET"]),
        Route(f"{PREFIX}/clock/advance", api.advance_clock, methods=["POST"]),
        Route(f"{PREFIX}/keys/{{key}}", api.key, methods=["GET", "PATCH"]),
        Route(f"{PREFIX}/reset", api.reset, methods=["POST"]),
        Route(f"{PREFIX}/scenarios/reload", api.reload_scenarios, methods=["POST"]),
        Route(f"{PREFIX}/journal", api.journal, methods=["GET"]),
        Route(f"{PREFIX}/checks", api.checks, methods=["GET"]),
        Route(f"{PREFIX}/webhooks", api.webhooks, methods=["GET"]),
    ]
