"""The contract itself, served next to the API it describes (the API's routes are in `vendor.py`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockserver.http.documents import Document

__all__ = ["document_routes"]


def document_routes(document: Document) -> list[Route]:
    async def document_yaml(request: Request) -> Response:
        return Response(document.text, media_type="application/yaml")

    async def document_json(request: Request) -> Response:
        return Response(document.json_bytes, media_type="application/json")

    return [
        Route("/openapi.yaml", document_yaml, methods=["GET"]),
        Route("/openapi.json", document_json, methods=["GET"]),
    ]
