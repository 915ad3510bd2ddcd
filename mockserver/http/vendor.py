"""The vendor's four operations under /api/v1/videos, on raw ASGI: parse, call, reply.

A poll through Starlette's router, `Request` and `Response` cost more than the mock's own
work (~20 of ~30 µs), and these routes are what a user's poll loop and the benchmarks hammer
(issue 6). Here a request is one header dict, one service call and a reply the Guard sends
and journals. Everything else (`/_mock/`, the documents, unknown paths) is Starlette's.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import NamedTuple, TypeVar
from urllib.parse import parse_qsl, quote

from starlette.datastructures import URL
from starlette.types import Message, Receive, Scope, Send

from mockserver.domain.body_faults import BodyFault
from mockserver.domain.errors import ApiError
from mockserver.domain.jobs import Job, JobStatus
from mockserver.domain.pace import take_pace
from mockserver.http._wait_headers import wait_headers
from mockserver.http.broken_body import SIMULATION, send_broken_body
from mockserver.http.content import byte_range
from mockserver.http.instance import Instance
from mockserver.wire.auth import bearer_token, check_api_key
from mockserver.wire.body import check_content_type, parse_json, read_body, whole_body
from mockserver.wire.render import job_bytes, json_bytes, render_job, submitted_bytes
from mockserver.wire.shaped import shaped
from mockserver.wire.signed import is_valid, signed_fields, signed_request

__all__ = [
    "MEMO_SIZE",
    "PREFIX",
    "Reply",
    "Route",
    "VendorApi",
    "error_reply",
    "operation_of",
    "remember",
    "request_headers",
    "send_reply",
    "vendor_route",
]

PREFIX = "/api/v1/videos"
_GET = ("GET", "HEAD")  # uvicorn drops the body of a HEAD answer
_POST = ("POST",)
_INDEX = re.compile(r"[0-9]+")
_PLAIN_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")
_JSON = b"application/json"

Headers = dict[bytes, bytes]


class Reply(NamedTuple):
    """What a vendor operation answers; the Guard sends and journals it."""

    status: int
    body: bytes
    content_type: bytes
    headers: Iterable[tuple[bytes, bytes]] = ()
    fault: BodyFault | None = None  # a download whose body breaks on the wire (delivery.py)


class _Disconnected(Exception):
    """The client went away before its body arrived: nobody is left to answer."""


class VendorApi:
    """The four operations: `answer` turns a matched request into its reply; the Guard sends it."""

    def __init__(self, state: Instance) -> None:
        self.state = state
        # What a client sends on every request, resolved once: Authorization -> accepted key,
        # (scheme, Host) -> base URL. Bounded: a fuzzer's thousand hosts only start them over.
        self._keys: dict[bytes, str] = {}
        self._bases: dict[tuple[str, bytes], str] = {}

    async def answer(self, route: Route, scope: Scope, headers: Headers, receive: Receive) -> Reply | None:
        """The reply (errors included, as envelopes); None when the client left before its body came."""
        try:
            if scope["method"] not in route.methods:
                raise ApiError.not_allowed(scope["method"], ", ".join(route.methods))
            reply = await route.handler(self, scope, headers, route.job_id, receive)
        except ApiError as exc:
            reply = error_reply(exc, self.state.service.speed)
        except _Disconnected:
            take_pace()
            return None
        return await _paced(reply)

    # --- the operations ----------------------------------------------------------------------

    async def submit(self, scope: Scope, headers: Headers, _job_id: str | None, receive: Receive) -> Reply:
        state = self.state
        tenant = self._tenant(headers)
        content_type = _header(headers, b"content-type")
        check_content_type(content_type)  # before the body: a wrong type needs none of it read
        try:
            raw = await _body(receive, state.config.max_body_bytes, _header(headers, b"content-length"))
        except ApiError as exc:  # only ever "too large": the version says with which status
            status = state.service.version.too_large_status
            if exc.status == status:
                raise
            metadata = {"error_type": "payload_too_large", "limit": state.config.max_body_bytes}
            raise ApiError(status, exc.message, metadata=metadata) from None
        body, text = parse_json(raw, content_type)
        base = self._base(scope, headers)
        job = state.service.submit(
            tenant,
            body,
            scenario=_header(headers, b"x-mock-scenario"),
            base_url=base,
            text=text,
            session_id=_header(headers, b"x-session-id"),
        )
        answers = state.service.answers(job)
        sent = submitted_bytes(job, base) if answers.plain else json_bytes(shaped(render_job(job, base), answers))
        return Reply(202, sent, _JSON, _ignored(body, state.document.open_request_fields))

    async def poll(self, scope: Scope, headers: Headers, job_id: str | None, _receive: Receive) -> Reply:
        tenant = self._tenant(headers)
        job = self.state.service.poll(tenant, job_id or "")
        base = self._base(scope, headers)
        service = self.state.service
        answers = service.answers(job)
        if service.version.signed_urls and job.status is JobStatus.COMPLETED:
            return Reply(200, json_bytes(shaped(self.signed_body(job, base), answers)), _JSON)
        if not answers.plain:
            return Reply(200, json_bytes(shaped(render_job(job, base), answers)), _JSON)
        return Reply(200, job_bytes(job, base), _JSON)

    def signed_body(self, job: Job, base: str) -> dict[str, object]:
        """A completed job's body with `urls` and `expires_at` after `unsigned_urls`."""
        expires = self.state.service.expires_at(job)
        signed = signed_fields(job, base, self.state.url_secret, expires) if expires is not None else {}
        body: dict[str, object] = {}
        for name, value in render_job(job, base).items():
            body[name] = value
            if name == "unsigned_urls":
                body.update(signed)
        return body

    async def content(self, scope: Scope, headers: Headers, job_id: str | None, _receive: Receive) -> Reply:
        tenant, index = self._download(scope, headers, job_id or "")
        job = self.state.service.content(tenant, job_id or "", index)
        video = await self.state.videos.for_job(job)  # a dict lookup once rendered (issue 14)
        data, etag = video.data, video.etag
        kept = [(b"accept-ranges", b"bytes"), (b"etag", video.etag_bytes)]
        if_range = _header(headers, b"if-range")
        span = byte_range(_header(headers, b"range"), len(data))  # a 416 spends no download fault
        fault = self.state.service.body_fault(job, index) if scope["method"] == "GET" else None
        if span is None or (if_range is not None and if_range != etag):
            return Reply(200, data, b"video/mp4", kept, fault)
        start, end = span
        kept.append((b"content-range", f"bytes {start}-{end}/{len(data)}".encode()))
        return Reply(206, data[start : end + 1], b"video/mp4", kept, fault)

    async def models(self, scope: Scope, headers: Headers, _job_id: str | None, _receive: Receive) -> Reply:
        # Public: credentials are optional and a bad one is ignored, as on the real service; a
        # valid key still selects that key's scenario.
        tenant: str | None
        try:
            tenant = self._tenant(headers)
        except ApiError:
            tenant = None
        return Reply(200, self.state.service.models(tenant), _JSON)

    # --- request parts -----------------------------------------------------------------------

    def _download(self, scope: Scope, headers: Headers, job_id: str) -> tuple[str | None, int]:
        """(key, index) of a download: a signed URL needs no key (tenant None), until it expires."""
        version = self.state.service.version
        query = scope["query_string"]
        try:
            signed = signed_request(query) if version.signed_urls else None
        except ValueError as exc:
            raise ApiError.invalid("exp", str(exc)) from None
        if signed is None:
            return self._tenant(headers), _index(query)
        if not is_valid(self.state.url_secret, job_id, signed):
            raise ApiError(403, "Invalid signed URL", metadata={"error_type": "invalid_signature"})
        if self.state.clock.now() >= signed.expires:
            raise ApiError(version.gone_status, "Video has expired", metadata={"expires_at": signed.expires})
        return None, signed.output

    def _tenant(self, headers: Headers) -> str:
        """The caller's API key; 401 when missing, malformed or unknown."""
        raw = headers.get(b"authorization", b"")
        key = self._keys.get(raw)
        if key is None:
            key = check_api_key(bearer_token(raw.decode("latin-1")), self.state.config.api_keys)
            key = sys.intern(key)  # every job and ledger entry of the key then shares one string
            remember(self._keys, raw, key)
        return key

    def _base(self, scope: Scope, headers: Headers) -> str:
        public = self.state.config.public_base_url
        if public:
            return public.rstrip("/")
        found = (scope["scheme"], headers.get(b"host", b""))
        base = self._bases.get(found)
        if base is None:
            # A plain Host header is the URL's netloc; anything else goes through Starlette's URL.
            host = found[1].decode("latin-1")
            if not _PLAIN_HOST.fullmatch(host):
                url = URL(scope=scope)  # it also looks at the server address: not remembered
                return f"{url.scheme}://{url.netloc}/api/v1"
            base = sys.intern(f"{scope['scheme']}://{host}/api/v1")  # kept by every job
            remember(self._bases, found, base)
        return base


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


def request_headers(scope: Scope) -> Headers:
    # The first of repeated headers wins, as with Starlette's `Headers.get`.
    return dict(reversed(list(scope["headers"])))


async def send_reply(send: Send, reply: Reply, scope: Scope, receive: Receive) -> None:
    """Send `reply`; one with a download fault breaks its body (`receive` tells when the client left)."""
    raw = [*reply.headers, (b"content-length", str(len(reply.body)).encode()), (b"content-type", reply.content_type)]
    await send({"type": "http.response.start", "status": reply.status, "headers": raw})
    if reply.fault is not None:
        await send_broken_body(scope, receive, send, reply.body, reply.fault)
        return
    await send({"type": "http.response.body", "body": reply.body})


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


_K = TypeVar("_K")
_V = TypeVar("_V")


def remember(memo: dict[_K, _V], key: _K, value: _V) -> None:
    """`memo[key] = value`, starting the memo over once it holds `MEMO_SIZE` entries: what a
    client repeats on every request is remembered; a fuzzer's thousand values cannot grow it."""
    if len(memo) >= MEMO_SIZE:
        memo.clear()
    memo[key] = value


MEMO_SIZE = 1024


def _header(headers: Headers, name: bytes) -> str | None:
    value = headers.get(name)
    return None if value is None else value.decode("latin-1")


async def _body(receive: Receive, limit: int, declared: str | None) -> bytes:
    """The request body; a body in one message (nearly all) skips the streaming reader."""
    first = await receive()
    if first["type"] == "http.request" and not first.get("more_body", False):
        return whole_body(first.get("body", b""), limit, declared)
    return await read_body(_chunks(first, receive), limit, declared)


async def _chunks(message: Message, receive: Receive) -> AsyncIterator[bytes]:
    while True:
        if message["type"] == "http.disconnect":
            raise _Disconnected
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return
        message = await receive()


def _index(query: bytes) -> int:
    if not query:
        return 0
    text = query.decode("latin-1")
    if "&" in text or "%" in text or "+" in text:
        pairs = parse_qsl(text, keep_blank_values=True)
    else:  # `index=0`, as every client sends it: what parse_qsl would give, without its ~2 µs
        name, _, value = text.partition("=")
        pairs = [(name, value)]
    values = [value for name, value in pairs if name == "index"]
    if not values:
        return 0
    if len(values) > 1 or not _INDEX.fullmatch(values[0]):
        raise ApiError.invalid("index", "index must be a non-negative integer", value=values)
    if len(values[0]) > _MAX_DIGITS:  # no job has that many outputs, and int() refuses past 4,300 digits
        raise ApiError(404, f"index has more than {_MAX_DIGITS} digits: no such output", metadata={"param": "index"})
    return int(values[0])


_MAX_DIGITS = 1000


# A connection dropped before the first byte of the answer: a cut at 0 (live, the server closes
# it; in-process, the transport raises what httpx raises for a closed connection).
_DROPPED = BodyFault(kind="cut", after=0)


async def _paced(reply: Reply) -> Reply:
    """The reply held back or dropped as a scenario fault asked (`domain.pace`)."""
    pace = take_pace()
    if pace.latency:
        simulation = SIMULATION.get()
        if simulation is not None:  # in-process: not slept; the transport compares it with the timeout
            simulation.latency = max(simulation.latency, pace.latency)
        else:
            await asyncio.sleep(pace.latency)  # real seconds: the client's own timeout is real
    return reply._replace(fault=_DROPPED) if pace.drop else reply


def _ignored(body: object, known: frozenset[str] | None) -> tuple[tuple[bytes, bytes], ...]:
    """`X-Mock-Ignored-Fields` naming a body's unknown top-level fields, where the document lets
    them through (2026-10; `known` None: a closed request schema, nothing is ever ignored)."""
    if known is None or not isinstance(body, dict) or known.issuperset(body):
        return ()
    # Percent-encoded: a field name may hold any character, a header value only visible ASCII.
    names = ",".join(quote(name, safe="-_.~") for name in body if name not in known)
    return ((b"x-mock-ignored-fields", names.encode("ascii")),)


def error_reply(exc: ApiError, speed: float = 1.0) -> Reply:
    """The error's envelope and headers; `speed` (mock seconds per real second) turns the domain's
    mock-clock waits into the real seconds of `Retry-After`."""
    pairs = {**exc.headers, **wait_headers(exc, speed)}
    headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in pairs.items()]
    return Reply(exc.status, json_bytes(exc.body()), _JSON, headers)


def operation_of(method: str, path: str) -> tuple[str | None, str | None]:
    """(operation, job id) of a request as the journal records it; (None, None) off the vendor routes."""
    route = vendor_route(path)
    return (None, None) if route is None else (route.journaled_operation(method), route.job_id)
