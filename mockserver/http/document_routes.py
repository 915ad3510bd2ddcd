"""The contract itself, served next to the API it describes (the API's routes are in `api.py`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockserver.http.instance import MockState

__all__ = ["document_routes"]


def _state(request: Request) -> MockState:
    state: MockState = request.app.state.mock
    return state


async def document_yaml(request: Request) -> Response:
    return Response(_state(request).served_document().text, media_type="application/yaml")


async def document_json(request: Request) -> Response:
    return Response(_state(request).served_document().json_bytes, media_type="application/json")


def document_routes() -> list[Route]:
    return [
        Route("/openapi.yaml", document_yaml, methods=["GET"]),
        Route("/openapi.json", document_json, methods=["GET"]),
    ]
