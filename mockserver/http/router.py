"""Which vendor operation a request is, and answering it: the one router of the mock.

`vendor_route` matches the four shapes under /api/v1/videos (anything else is Starlette's);
`answer` calls the route's `VendorApi` operation and turns errors into envelopes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import NamedTuple

from starlette.types import Receive, Scope

from mockserver.domain.errors import ApiError
from mockserver.domain.pace import NORMAL, take_pace
from mockserver.http._request_parts import Disconnected, Headers
from mockserver.http.reply import Reply, error_reply, paced
from mockserver.http.vendor import VendorApi

__all__ = ["PREFIX", "Route", "answer", "operation_of", "vendor_route"]

PREFIX = "/api/v1/videos"
_GET = ("GET", "HEAD")  # uvicorn drops the body of a HEAD answer
_POST = ("POST",)

Handler = Callable[[VendorApi, Scope, Headers, "str | None", Receive], Awaitable[Reply]]


class Route(NamedTuple):
    """One of the four vendor operations, matched from a path: the one router of the mock."""

    handler: Handler
    methods: tuple[str, ...]
    job_id: str | None
    operation: str

    def journaled_operation(self, method: str) -> str | None:
        """The operation the journal records: a submit only when POSTed (GET /videos is a 405)."""
        return self.operation if self.operation != "submit" or method == "POST" else None


# A pure function of the path, and a poll loop asks for the same path every time: memoised
# (bounded: a fuzzer's thousand paths only push the oldest out).
@lru_cache(maxsize=4096)
def vendor_route(path: str) -> Route | None:
    """The route for the four shapes under /api/v1/videos; None for anything else (Starlette's)."""
    if not path.startswith(PREFIX):
        return None
    rest = path[len(PREFIX) :]
    if not rest:
        return Route(VendorApi.submit, _POST, None, "submit")
    if rest[0] != "/":
        return None
    parts = rest[1:].split("/")
    if len(parts) == 1 and parts[0]:
        if parts[0] == "models":
            return Route(VendorApi.models, _GET, None, "models")
        return Route(VendorApi.poll, _GET, parts[0], "poll")
    if len(parts) == 2 and parts[0] and parts[1] == "content":
        return Route(VendorApi.content, _GET, parts[0], "content")
    return None


async def answer(api: VendorApi, route: Route, scope: Scope, headers: Headers, receive: Receive) -> Reply | None:
    """The reply (errors included, as envelopes); None when the client left before its body came."""
    try:
        if scope["method"] not in route.methods:
            raise ApiError.not_allowed(scope["method"], ", ".join(route.methods))
        reply = await route.handler(api, scope, headers, route.job_id, receive)
    except ApiError as exc:
        reply = error_reply(exc, api.state.service.speed)
    except Disconnected:
        take_pace()
        return None
    pace = take_pace()
    return reply if pace is NORMAL else await paced(reply, pace)


def operation_of(method: str, path: str) -> tuple[str | None, str | None]:
    """(operation, job id) of a request as the journal records it; (None, None) off the vendor routes."""
    route = vendor_route(path)
    return (None, None) if route is None else (route.journaled_operation(method), route.job_id)
