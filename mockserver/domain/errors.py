"""The API's error envelope, and the one exception type every layer raises to produce it.

`{"error": {"code": <status>, "message": str, "metadata"?: {...}}}`; `code` always equals the
HTTP status. Messages follow the vendor's documented wording where it has one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["DEFAULT_MESSAGES", "ERROR_TYPES", "ApiError", "Throttled", "envelope"]

DEFAULT_MESSAGES: dict[int, str] = {
    400: "Invalid request parameters",
    401: "Missing Authentication header",
    402: "Insufficient credits. Add more using https://modelgates.ai/credits",
    404: "Resource not found",
    405: "Method not allowed",
    416: "Range not satisfiable",
    429: "Rate limit exceeded",
    500: "Internal Server Error",
    502: "Provider returned error",
}

# `metadata.error_type` values the vendor documents, by status.
ERROR_TYPES: dict[int, str] = {
    400: "invalid_request",
    402: "payment_required",
    429: "rate_limit_exceeded",
    500: "server",
    502: "server",
}


@dataclass(frozen=True, slots=True)
class Throttled:
    """A 429's rate-limit numbers on the mock's clock; the shell writes them as `X-RateLimit-*`
    and `Retry-After` headers (turning mock seconds into real ones: it knows the speed)."""

    limit: int  # X-RateLimit-Limit (Remaining is always 0 on a 429)
    reset_at: float  # mock-clock time the limit lifts: X-RateLimit-Reset
    wait: float | None  # mock seconds until a retry gets in: Retry-After (None: no hint)


class ApiError(Exception):
    """An answer in the API's error shape. Raised anywhere; rendered once, by the app.

    `throttled`: the rate-limit numbers of a 429; `retry_after`: whole real seconds to wait, as a
    scenario wrote them (the shell sends it as `Retry-After` instead of one made from `throttled`).
    """

    def __init__(
        self,
        status: int,
        message: str | None = None,
        *,
        metadata: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        throttled: Throttled | None = None,
        retry_after: int | None = None,
    ) -> None:
        self.status = status
        self.message = message or DEFAULT_MESSAGES.get(status, "Error")
        self.metadata = dict(metadata) if metadata is not None else None
        self.headers = dict(headers or {})
        self.throttled = throttled
        self.retry_after = retry_after
        super().__init__(f"{status} {self.message}")

    @classmethod
    def invalid(cls, param: str, message: str, **details: Any) -> ApiError:
        """400 naming the offending parameter; `details` (e.g. value, allowed) go to metadata."""
        metadata = {"error_type": "invalid_request", "param": param, **details}
        return cls(400, message, metadata=metadata)

    @classmethod
    def not_allowed(cls, method: str, allow: str) -> ApiError:
        """405 naming the method and what the path allows (`Allow` as the header has it)."""
        return cls(405, f"Method {method} not allowed; allowed: {allow}", headers={"Allow": allow})

    def body(self) -> dict[str, Any]:
        return envelope(self.status, self.message, self.metadata)


def envelope(status: int, message: str, metadata: Mapping[str, Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": status, "message": message}
    if metadata is not None:
        error["metadata"] = dict(metadata)
    return {"error": error}
