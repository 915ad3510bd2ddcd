"""Test helpers for the client's unit tests: a scripted fake API behind `httpx.MockTransport`.

Not a test module (no `test_` prefix); imported by the `test_client_*` files.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import httpx

BASE = "https://api.example.test/api/v1"
KEY = "sk-mg-v1-" + "ab" * 32
JOB_ID = "Nu908SAyQg81UNYgC4Xh"
POLLING_URL = f"{BASE}/videos/{JOB_ID}"
CONTENT_URL = f"{BASE}/videos/{JOB_ID}/content?index=0"
CHUNK_SIZE = 64 * 1024  # how a fake body is cut into pieces
MP4 = b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 1000  # 256 kB, starts like an MP4

Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def job_body(status: str = "pending", **extra: Any) -> dict[str, Any]:
    return {"id": JOB_ID, "polling_url": POLLING_URL, "status": status, **extra}


def completed_body(**extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "generation_id": "gen-vid-1795249200-Q2sZ81mNw0pLcRt5YbVx",
        "unsigned_urls": [CONTENT_URL],
        "usage": {"cost": 0.2, "is_byok": False},
    }
    return job_body("completed", **(fields | extra))


def error_reply(status: int, message: str, metadata: Any = None, **headers: str) -> httpx.Response:
    error: dict[str, Any] = {"code": status, "message": message}
    if metadata is not None:
        error["metadata"] = metadata
    return httpx.Response(status, json={"error": error}, headers=headers)


def video_reply(content: bytes = MP4) -> httpx.Response:
    return httpx.Response(200, content=content, headers={"Content-Type": "video/mp4"})


class FakeAPI:
    """Answers each `(METHOD, path)` from a queue of replies; the last reply repeats.

    Every request is recorded in `requests` (with its body read), in order.
    """

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Reply]] = defaultdict(list)
        self.requests: list[httpx.Request] = []

    def on(self, method: str, path: str, *replies: Reply) -> FakeAPI:
        self.routes[(method, path)].extend(replies)
        return self

    def calls(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if (r.method, r.url.path) == (method, path)]

    def handler(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        queue = self.routes.get((request.method, request.url.path))
        if not queue:
            return error_reply(404, f"no fake route for {request.method} {request.url.path}")
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, httpx.Response):
            return _copy(reply)
        return reply(request)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)


def _copy(response: httpx.Response) -> httpx.Response:
    # A repeated reply must be a fresh Response: one instance can be consumed only once.
    return httpx.Response(response.status_code, headers=response.headers, content=response.content)


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content)


class Sleeps:
    """An injectable sleep (sync or async) that records delays and advances a fake clock."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.now = 0.0

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self(seconds)

    def clock(self) -> float:
        return self.now
