"""Signed download URLs (2026-10 `urls`): usable without the API key until `expires_at`.

A URL is the content URL plus `expires` (unix seconds) and `signature`, an HMAC-SHA256 over the
job id, the output index and `expires` with a secret only this mock instance holds: a URL cannot
be made for another job, another output or a later expiry.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

from mockserver.domain.jobs import Job, JobStatus
from mockserver.wire.render import content_url

__all__ = ["SignedRequest", "is_valid", "sign", "signed_request", "signed_fields", "urls_expire_at"]


class SignedRequest(NamedTuple):
    output: int
    expires: int
    signature: str


def sign(secret: bytes, job_id: str, index: int, expires: int) -> str:
    message = f"{job_id}:{index}:{expires}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def urls_expire_at(job: Job, lifetime: int) -> int:
    """`expires_at` of a completed job: `lifetime` seconds after it completed, or sooner if its
    outputs expire sooner (DECISIONS.md: fixed per job, so every poll shows the same URLs)."""
    at = job.entered_at + lifetime
    outputs_end = job.expires_at
    return int(at if outputs_end is None else min(at, outputs_end))


def signed_fields(job: Job, base: str, secret: bytes, lifetime: int) -> dict[str, Any]:
    """`urls` and `expires_at` of a completed job ({} for any other)."""
    if job.status is not JobStatus.COMPLETED:
        return {}
    expires = urls_expire_at(job, lifetime)
    urls = [
        f"{content_url(base, job.id, index)}&expires={expires}&signature={sign(secret, job.id, index, expires)}"
        for index in range(job.outputs)
    ]
    return {"urls": urls, "expires_at": expires}


def signed_request(query: bytes) -> SignedRequest | None:
    """The signed parts of a content query; None when it carries no signature (a keyed request).

    Raises ValueError for a signature with a missing or malformed `index`/`expires`.
    """
    if b"signature=" not in query:
        return None
    values = dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
    index, expires = values.get("index", "0"), values.get("expires", "")
    if not (index.isdigit() and expires.isdigit()):
        raise ValueError("a signed URL needs index and expires as whole numbers")
    return SignedRequest(int(index), int(expires), values.get("signature", ""))


def is_valid(secret: bytes, job_id: str, request: SignedRequest) -> bool:
    expected = sign(secret, job_id, request.output, request.expires)
    return hmac.compare_digest(expected, request.signature)
