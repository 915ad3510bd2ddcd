"""Signed download URLs (2026-10 `urls`): usable without the API key until `expires_at`.

`<base>/videos/{id}/content?index=i&exp=<expires_at>&sig=<hex HMAC-SHA256(secret, "<id>:<i>:<exp>")>`
(DECISIONS.md), with a secret only this mock instance holds: a URL cannot be made for another
job, another output or a later expiry.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

from mockserver.domain.jobs import Job, JobStatus
from mockserver.wire.render import content_url

__all__ = ["SignedRequest", "is_valid", "sign", "signed_request", "signed_fields"]


class SignedRequest(NamedTuple):
    output: int
    expires: int
    signature: str


def sign(secret: bytes, job_id: str, index: int, expires: int) -> str:
    message = f"{job_id}:{index}:{expires}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def signed_fields(job: Job, base: str, secret: bytes, expires: int) -> dict[str, Any]:
    """`urls` and `expires_at` of a completed job ({} for any other). Fixed per job, so every
    poll shows the same URLs, expired or not (DECISIONS.md)."""
    if job.status is not JobStatus.COMPLETED:
        return {}
    urls = [
        f"{content_url(base, job.id, index)}&exp={expires}&sig={sign(secret, job.id, index, expires)}"
        for index in range(job.outputs)
    ]
    return {"urls": urls, "expires_at": expires}


def signed_request(query: bytes) -> SignedRequest | None:
    """The signed parts of a content query; None when it carries no `sig` (a keyed request).

    Raises ValueError for a signature with a missing or malformed `index`/`exp`.
    """
    if b"sig=" not in query:
        return None
    values = dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
    if "sig" not in values:
        return None
    index, expires = values.get("index", "0"), values.get("exp", "")
    if not (index.isdigit() and expires.isdigit()):
        raise ValueError("a signed URL needs index and exp as whole numbers")
    return SignedRequest(int(index), int(expires), values["sig"])


def is_valid(secret: bytes, job_id: str, request: SignedRequest) -> bool:
    expected = sign(secret, job_id, request.output, request.expires)
    # As bytes: a fuzzed `sig` may hold any character, and compare_digest takes only ASCII strs.
    return hmac.compare_digest(expected.encode(), request.signature.encode("utf-8", "surrogateescape"))
