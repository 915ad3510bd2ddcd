"""The baseline: a bare Starlette app on the same uvicorn, answering the mock's bytes from memory.

`python -m bench.bare_app --port N --bodies DIR` serves the files a mock run captured into DIR
(`submit.json`, `poll.json`, `models.json`, `content.mp4`) on the mock's four routes, with the
same uvicorn options as the `mockserver` CLI (loopback, one worker, no access log, no WebSocket
protocol; no lifespan: it has nothing to start).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

BODY_FILES = ("submit.json", "poll.json", "models.json", "content.mp4")


def build_app(bodies: Path) -> Starlette:
    data = {name: (bodies / name).read_bytes() for name in BODY_FILES}

    async def submit(request: Request) -> Response:
        await request.body()  # read it, as any real handler would
        return Response(data["submit.json"], status_code=202, media_type="application/json")

    async def poll(request: Request) -> Response:
        return Response(data["poll.json"], media_type="application/json")

    async def models(request: Request) -> Response:
        return Response(data["models.json"], media_type="application/json")

    async def content(request: Request) -> Response:
        return Response(data["content.mp4"], media_type="video/mp4")

    return Starlette(
        routes=[
            Route("/api/v1/videos", submit, methods=["POST"]),
            Route("/api/v1/videos/models", models, methods=["GET"]),
            Route("/api/v1/videos/{job_id}", poll, methods=["GET"]),
            Route("/api/v1/videos/{job_id}/content", content, methods=["GET"]),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.bare_app")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bodies", type=Path, required=True)
    args = parser.parse_args()
    uvicorn.run(
        build_app(args.bodies),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        ws="none",
    )


if __name__ == "__main__":
    main()
