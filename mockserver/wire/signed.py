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

__all__ = ["SignedRequest", "is_valid", "sign", "signed_fields", "signed_request"]


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

    Raises ValueError for an `exp` that is not a whole number (a `sig` without one never verifies).
    """
    if b"sig=" not in query and b"exp=" not in query:
        return None
    values = dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
    expires = values.get("exp")
    if expires is not None and not (expires.isascii() and expires.isdigit()):
        raise ValueError(f"exp must be a whole number of unix seconds, not {expires[:20]!r}")
    if "sig" not in values:
        return None
    index = values.get("index", "0")
    output = int(index) if index.isascii() and index.isdigit() else -1  # a bad index never verifies
    return SignedRequest(output, int(expires or -1), values["sig"])  # no exp: never verifies


def is_valid(secret: bytes, job_id: str, request: SignedRequest) -> bool:
    expected = sign(secret, job_id, request.output, request.expires)
    # As bytes: a fuzzed `sig` may hold any character, and compare_digest takes only ASCII strs.
    return hmac.compare_digest(expected.encode(), request.signature.encode("utf-8", "surrogateescape"))
