"""One pure-ASGI layer in front of the app: every answer is journaled, every failure is an envelope.

- The vendor routes are answered here, from the replies `router.answer` returns; everything
  else goes through Starlette.

- Exceptions that escape a route become a 500 envelope (never a stack trace) and are kept in
  `Instance.errors`, so the pytest plugin can re-raise them in the test that caused them.
- An error response that is not JSON (Starlette's own plain-text answers) is rewritten into
  the envelope, keeping headers such as `Allow` and `Content-Range`.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.domain.errors import DEFAULT_MESSAGES, ApiError, envelope
from mockserver.http._request_parts import Headers, remember, request_headers
from mockserver.http.instance import Instance
from mockserver.http.reply import error_reply, send_reply
from mockserver.http.router import Route, answer, vendor_route
from mockserver.http.vendor import VendorApi
from mockserver.wire.auth import is_accepted_key, token_of

__all__ = ["Guard"]

log = logging.getLogger("mockserver")

_KEPT_HEADERS = (b"allow", b"content-range", b"retry-after")


def _tenant(authorization: bytes, accepted: frozenset[str] | None) -> str | None:
    """The API key the journal shows: only one the mock accepts (never a mistyped password or the
    admin token, which would then sit in the journal and the state file)."""
    key = token_of(authorization.decode("latin-1"))
    return key if key is not None and is_accepted_key(key, accepted) else None


class Guard:
    def __init__(self, app: ASGIApp, *, state: Instance) -> None:
        self.app = app
        self.state = state
        self.vendor = VendorApi(state)
        # Authorization header -> the token the journal shows; a client sends the same one each time.
        self._tenants: dict[bytes, str | None] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """One HTTP request (the app sends lifespan events to Starlette directly)."""
        route = vendor_route(scope["path"])
        headers = request_headers(scope)
        if route is not None:
            status, retry_after, answered = await self._vendor(route, scope, headers, receive, send)
            if status:
                operation = route.journaled_operation(scope["method"])
                job_id, answer = answered if answered is not None else (route.job_id, None)
                self._journal(scope, headers, status, retry_after, operation, job_id, answer)
            return
        status, retry_after = await self._framework(scope, receive, send)
        if status and not _is_control(scope["path"]):
            # The control API and its dashboard (which polls every second) are not the app under test.
            self._journal(scope, headers, status, retry_after, None, None)  # not a vendor operation

    async def _vendor(
        self, route: Route, scope: Scope, headers: Headers, receive: Receive, send: Send
    ) -> tuple[int, str | None, tuple[str, str] | None]:
        """The vendor routes: the reply comes back as data, so no `send` wrapper is needed.
        Returns the status, `Retry-After` and the (job id, status) a submit or poll answered."""
        status, retry_after, answered = 0, None, None
        try:
            reply = await answer(self.vendor, route, scope, headers, receive)
            if reply is None:
                return 0, None, None  # the client left: nobody to answer, nothing to journal
            status, answered = reply.status, reply.job
            retry_after = _retry_after(reply.headers) if status >= 400 else None  # only refusals wait
            await send_reply(send, reply, scope, receive)
        except Exception as exc:
            self._crashed(scope, exc)
            if not status:
                await send_reply(send, error_reply(ApiError(500)), scope, receive)
                status, retry_after = 500, None
        return status, retry_after, answered

    async def _framework(self, scope: Scope, receive: Receive, send: Send) -> tuple[int, str | None]:
        """Everything else goes through Starlette; its plain-text errors are rewritten on the way out."""
        answer = _Answer(send)
        try:
            await self.app(scope, receive, answer)
        except Exception as exc:
            self._crashed(scope, exc)
            if not answer.started:
                await answer.send_envelope(500, ())
        return answer.status, answer.retry_after

    def _crashed(self, scope: Scope, exc: Exception) -> None:
        # The envelope, never a traceback, whatever went wrong; kept for the test to re-raise.
        log.error("unexpected error in %s %s", scope["method"], scope["path"], exc_info=exc)
        self.state.errors.append(exc)

    def _journal(
        self,
        scope: Scope,
        headers: Headers,
        status: int,
        retry_after: str | None,
        operation: str | None,
        job_id: str | None,
        answer: str | None = None,
    ) -> None:
        authorization = headers.get(b"authorization")
        tenant = self._tenants.get(authorization) if authorization is not None else None
        if tenant is None and authorization is not None:
            tenant = _tenant(authorization, self.state.config.api_keys)
            remember(self._tenants, authorization, tenant)
        query = scope["query_string"]
        self.state.journal.record(
            self.state.clock.now(),
            # Interned: the journal keeps thousands of entries, and a poll loop repeats its path.
            sys.intern(scope["method"]),
            sys.intern(scope["path"]),
            query.decode("latin-1") if query else "",
            status,
            tenant,
            job_id,
            operation,
            {"retry-after": retry_after} if retry_after else None,
            answer,
        )


def _is_control(path: str) -> bool:
    return path == "/_mock" or path.startswith("/_mock/")


def _retry_after(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"retry-after":
            return value.decode("latin-1")
    return None


class _Answer:
    """Wraps `send`: notes the status, and swaps non-JSON error bodies for the envelope."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 0
        self.started = False
        self.retry_after: str | None = None
        self._replacing = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            self.status = message["status"]
            headers = message.get("headers", [])
            for name, value in headers:
                if name == b"retry-after":
                    self.retry_after = value.decode("latin-1")
            if self.status >= 400 and not _is_json(headers):
                self._replacing = True
                await self.send_envelope(self.status, headers)
                return
        elif message["type"] == "http.response.body" and self._replacing:
            return  # the plain-text body is dropped; the envelope was sent already
        await self._send(message)

    async def send_envelope(self, status: int, headers: Iterable[tuple[bytes, bytes]]) -> None:
        self.started, self.status = True, status
        body = json.dumps(envelope(status, DEFAULT_MESSAGES.get(status, "Error"))).encode()
        kept = [(n, v) for n, v in headers if n in _KEPT_HEADERS]
        kept += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await self._send({"type": "http.response.start", "status": status, "headers": kept})
        await self._send({"type": "http.response.body", "body": body})


def _is_json(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"content-type":
            return value.startswith(b"application/json")
    return False
