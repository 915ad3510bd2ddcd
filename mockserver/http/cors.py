"""`--cors ORIGIN`: let a browser app on another origin call the mock (off by default).

A preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered here, 204 with the
allowed methods and headers, before the journal sees it (it is the browser's, not the app's);
every other answer gets `Access-Control-Allow-Origin` and the headers a client needs to read.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Cors"]

_METHODS = b"GET, HEAD, POST, PATCH, OPTIONS"
_HEADERS = b"Authorization, Content-Type, Range, X-Mock-Scenario"
_EXPOSED = b"Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Content-Range, Content-Length"


class Cors:
    def __init__(self, app: ASGIApp, origin: str) -> None:
        self.app = app
        self.origin = origin.encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            asked = headers.get(b"access-control-request-headers")
            answer = [
                *self._allow(),
                (b"access-control-allow-methods", _METHODS),
                (b"access-control-allow-headers", asked or _HEADERS),
                (b"access-control-max-age", b"600"),
                (b"content-length", b"0"),
            ]
            await send({"type": "http.response.start", "status": 204, "headers": answer})
            await send({"type": "http.response.body", "body": b""})
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [*self._allow(), (b"access-control-expose-headers", _EXPOSED)]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_cors)

    def _allow(self) -> list[tuple[bytes, bytes]]:
        vary = [] if self.origin == b"*" else [(b"vary", b"Origin")]
        return [(b"access-control-allow-origin", self.origin), *vary]
