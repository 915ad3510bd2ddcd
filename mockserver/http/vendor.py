"""The vendor's four operations under /api/v1/videos, on raw ASGI: parse, call, reply.

`router` matches a path to its operation and calls it here, `_request_parts` reads the request,
`reply` sends the answer; `VendorApi` is the operations themselves.

A poll through Starlette's router, `Request` and `Response` cost more than the mock's own
work (two thirds of a poll), and these routes are what a user's poll loop and the benchmarks hammer
(issue 6). Here a request is one header dict, one service call and a reply the Guard sends
and journals. Everything else (`/_mock/`, the documents, unknown paths) is Starlette's.
"""

from __future__ import annotations

import re
import sys
from typing import Any
from urllib.parse import quote

from starlette.datastructures import URL
from starlette.types import Receive, Scope

from mockserver.domain._scenario_types import Answers
from mockserver.domain.errors import ApiError
from mockserver.domain.jobs import Job, JobStatus
from mockserver.domain.service import not_saved
from mockserver.http._request_parts import Headers, header, output_index, remember, request_body
from mockserver.http.content import byte_range
from mockserver.http.instance import Instance
from mockserver.http.reply import Reply
from mockserver.wire.auth import bearer_token, check_api_key
from mockserver.wire.body import check_content_type, read_json
from mockserver.wire.render import job_bytes, json_bytes, render_job, submitted_bytes
from mockserver.wire.shaped import shaped
from mockserver.wire.signed import is_valid, signed_fields, signed_request

__all__ = ["VendorApi"]

_PLAIN_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")
_JSON = b"application/json"
_new: Any = tuple.__new__  # a named tuple without its generated `__new__` (see domain/jobs.py)


class VendorApi:
    """The four operations: each turns a matched request into its reply (`router.answer` calls them)."""

    def __init__(self, state: Instance) -> None:
        self.state = state
        # What a client sends on every request, resolved once: Authorization -> accepted key,
        # (scheme, Host) -> base URL. Bounded: a fuzzer's thousand hosts only start them over.
        self._keys: dict[bytes, str] = {}
        self._bases: dict[tuple[str, bytes], str] = {}
        self._texts: dict[str, str] = {}  # request bodies as jobs keep them
        # A completed job's signed body never changes (its urls expire at a fixed time): a poll
        # loop after completion is answered from here instead of signing and encoding again.
        self._completed: dict[tuple[str, float, str, str, str, Answers], bytes] = {}

    # --- the operations ----------------------------------------------------------------------

    async def submit(self, scope: Scope, headers: Headers, _job_id: str | None, receive: Receive) -> Reply:
        state = self.state
        tenant = self._tenant(headers)
        if headers.get(b"content-type") != _JSON:  # what nearly every client sends, as it is
            check_content_type(header(headers, b"content-type"))  # before the body: none of it is read
        declared = headers.get(b"content-length")
        try:
            limit = state.config.max_body_bytes
            raw = await request_body(receive, limit, None if declared is None else declared.decode("latin-1"))
        except ApiError as exc:  # only ever "too large": the version says with which status
            status = state.service.version.too_large_status
            if exc.status == status:
                raise
            metadata = {"error_type": "payload_too_large", "limit": state.config.max_body_bytes}
            raise ApiError(status, exc.message, metadata=metadata) from None
        body, text = read_json(raw)  # its Content-Type is checked above
        # An app that sends the same body again (a retry, a test or load loop) gets jobs that
        # share its text: 10,000 kept jobs of one body hold one copy of it.
        kept = self._texts.get(text)
        if kept is None:
            remember(self._texts, text, text)
        else:
            text = kept
        base = self._base(scope, headers)
        scenario, session_id = headers.get(b"x-mock-scenario"), headers.get(b"x-session-id")  # rarely sent
        service = state.service
        if state.sink.in_memory:  # nothing groups or waits: no unit to open
            job = self._new_job(tenant, body, base, text, scenario, session_id)
        else:
            job = await self._submit_grouped(tenant, body, base, text, scenario, session_id)
        answers = service.answers(job)
        sent = submitted_bytes(job, base) if answers.plain else json_bytes(shaped(render_job(job, base), answers))
        known = state.document.open_request_fields
        ignored = () if known is None or not isinstance(body, dict) or known.issuperset(body) else _ignored(body, known)
        answered = (job.id, job.timeline[job.phase].status._value_)
        reply: Reply = _new(Reply, (202, sent, _JSON, ignored, None, answered))  # without its `__new__`
        return reply

    async def _submit_grouped(
        self, tenant: str, body: object, base: str, text: str, scenario: bytes | None, session_id: bytes | None
    ) -> Job:
        """`service.submit` inside the sink's group (with --state, served: written with the other
        submits of this turn), answered only once written: a kill -9 keeps it."""
        sink = self.state.sink
        try:
            with sink.grouped():
                return self._new_job(tenant, body, base, text, scenario, session_id)
        finally:
            waiting = sink.settled()
            if waiting is not None and (failed := await waiting) is not None:
                raise not_saved(failed)  # this 500 replaces whatever was on its way out

    def _new_job(
        self, tenant: str, body: object, base: str, text: str, scenario: bytes | None, session_id: bytes | None
    ) -> Job:
        """`service.submit` with the two optional headers as the domain takes them."""
        return self.state.service.submit(
            tenant,
            body,
            scenario=None if scenario is None else scenario.decode("latin-1"),
            base_url=base,
            text=text,
            session_id=None if session_id is None else session_id.decode("latin-1"),
        )

    async def poll(self, scope: Scope, headers: Headers, job_id: str | None, _receive: Receive) -> Reply:
        tenant = self._tenant(headers)
        service = self.state.service
        job = service.poll(tenant, job_id or "")
        base = self._base(scope, headers)
        answers = service.answers(job)
        status = job.timeline[job.phase].status
        answered = (job.id, status._value_)  # the plain str: `.value` is two Python calls
        if status is JobStatus.COMPLETED and service.version.signed_urls:
            # Everything the body is made of: a reset can hand the same id to a different job.
            memo = (job.id, job.entered_at, job.generation_id or "", job.request_json, base, answers)
            sent = self._completed.get(memo)
            if sent is None:
                sent = json_bytes(shaped(self.signed_body(job, base), answers))
                remember(self._completed, memo, sent)
            return Reply(200, sent, _JSON, job=answered)
        if not answers.plain:
            return Reply(200, json_bytes(shaped(render_job(job, base), answers)), _JSON, job=answered)
        return Reply(200, job_bytes(job, base), _JSON, job=answered)

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
        videos = self.state.videos
        video = videos.ready(job) or await videos.for_job(job)
        data, etag = video.data, video.etag
        kept = [(b"accept-ranges", b"bytes"), (b"etag", video.etag_bytes)]
        if_range = header(headers, b"if-range")
        span = byte_range(header(headers, b"range"), len(data))  # a 416 spends no download fault
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
            return self._tenant(headers), output_index(query)
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


def _ignored(body: dict[str, object], known: frozenset[str]) -> tuple[tuple[bytes, bytes], ...]:
    """`X-Mock-Ignored-Fields` naming the fields of a body that `known` (the document's, where it
    lets others through: 2026-10) does not have; asked only when there are some."""
    # Percent-encoded: a field name may hold any character, a header value only visible ASCII.
    names = ",".join(quote(name, safe="-_.~") for name in body if name not in known)
    return ((b"x-mock-ignored-fields", names.encode("ascii")),)
