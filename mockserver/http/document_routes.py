"""The contract itself, served next to the API it describes (the API's routes are in `vendor.py`)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockserver.http.documents import Document

__all__ = ["document_routes"]


def document_routes(served: Callable[[], Document]) -> list[Route]:
    """`served()`: the running version's document (made exact for the catalog on first use)."""

    async def document_yaml(request: Request) -> Response:
        return Response(served().text, media_type="application/yaml")

    async def document_json(request: Request) -> Response:
        return Response(served().json_bytes, media_type="application/json")

    return [
        Route("/openapi.yaml", document_yaml, methods=["GET"]),
        Route("/openapi.json", document_json, methods=["GET"]),
    ]
