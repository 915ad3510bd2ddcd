"""The domain rules behind the custom checks, as pure functions: each returns a problem or None.

Schemathesis checks (`contracts.suites.checks`) and the URL runner's lifecycle probe
(`contracts.suites.lifecycle`) both call these, so a rule is stated once.
"""

from __future__ import annotations

import json
from urllib.parse import unquote, urlsplit

from .document import TERMINAL_STATUSES, status_rank

__all__ = [
    "envelope_problem",
    "media_type",
    "mp4_problem",
    "polling_url_problem",
    "same_url",
    "status_order_problem",
]

MP4_MEDIA_TYPE = "video/mp4"


def media_type(content_type: str | None) -> str:
    """`video/mp4; codecs=...` → `video/mp4` (lower case, no parameters)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def envelope_problem(status: int, content_type: str | None, body: bytes) -> str | None:
    """Every 4xx/5xx answer is `{"error": {"code": <status>, "message": str, "metadata"?: object|null}}`."""
    if status < 400:
        return None
    if media_type(content_type) != "application/json":
        return f"{status} answered with Content-Type {content_type!r}, not the JSON error envelope"
    try:
        document = json.loads(body)
    except ValueError:
        return f"{status} answered with a body that is not JSON: {body[:80]!r}"
    error = document.get("error") if isinstance(document, dict) else None
    if not isinstance(error, dict):
        return f"{status} answered without an `error` object: {body[:120]!r}"
    code = error.get("code")
    if type(code) is not int or code != status:
        return f"error.code is {code!r}, but the HTTP status is {status}"
    if not isinstance(error.get("message"), str):
        return f"error.message is {error.get('message')!r}, not a string"
    metadata = error.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        return f"error.metadata is {metadata!r}, not an object"
    return None


def mp4_problem(status: int, content_type: str | None, body: bytes, content_range: str | None = None) -> str | None:
    """A successful download is `video/mp4` exactly, and a whole file starts with an `ftyp` box."""
    if status not in (200, 206):
        return None
    if media_type(content_type) != MP4_MEDIA_TYPE:
        return f"content answered {status} with Content-Type {content_type!r}, not {MP4_MEDIA_TYPE!r}"
    starts_at_zero = status == 200 or (content_range or "").startswith("bytes 0-")
    if starts_at_zero and len(body) >= 8 and body[4:8] != b"ftyp":
        return f"content is not an MP4: bytes 4-8 are {body[4:8]!r}, expected b'ftyp'"
    if status == 200 and len(body) < 8:
        return f"content is not an MP4: only {len(body)} byte(s)"
    return None


def same_url(left: str, right: str) -> bool:
    """Equal as URLs: scheme and host case-insensitive, path compared unquoted, no query/fragment."""
    a, b = urlsplit(left), urlsplit(right)
    return (
        a.scheme.lower() == b.scheme.lower()
        and a.netloc.lower() == b.netloc.lower()
        and unquote(a.path).rstrip("/") == unquote(b.path).rstrip("/")
    )


def polling_url_problem(polling_url: str, expected: str) -> str | None:
    """`polling_url` is the absolute `<base>/videos/<id>` of the API that answered."""
    if same_url(polling_url, expected):
        return None
    return f"polling_url is {polling_url!r}; expected {expected!r} (<base>/videos/<id>)"


def status_order_problem(job_id: str, before: str, after: str) -> str | None:
    """A job's status never moves backwards, and a terminal status never changes."""
    old, new = status_rank(before), status_rank(after)
    if old is None or new is None:
        return None  # an unknown status is the schema check's finding
    if new < old or (before in TERMINAL_STATUSES and after != before):
        return f"job {job_id} went from {before!r} back to {after!r}"
    return None
