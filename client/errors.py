"""Every error the client raises, in one tree.

```
ModelGatesError
├── MissingAPIKeyError              no key given and MODELGATES_API_KEY unset
├── APIConnectionError              the request got no HTTP answer
│   └── APITimeoutError             ... because a timeout expired
├── APIStatusError                  the server answered an error status (any other 4xx/5xx)
│   ├── BadRequestError             400
│   ├── AuthenticationError         401
│   ├── PaymentRequiredError        402
│   ├── PermissionDeniedError       403 (2026-10: a disabled key, a bad signed URL)
│   ├── NotFoundError               404
│   ├── ConflictError               409 (2026-10: the output is not ready; a previous_job_id not completed)
│   ├── GoneError                   410 (2026-10: the output has expired)
│   ├── PayloadTooLargeError        413 (2026-10: a body above 50 MiB)
│   ├── RateLimitError              429 (.retry_after)
│   ├── InternalServerError         500
│   ├── BadGatewayError             502
│   └── ServiceUnavailableError     503 (.retry_after)
├── APIResponseValidationError      a 2xx answer that breaks the document's schema
├── JobError                        the job reached a terminal status other than completed
│   ├── JobFailed
│   ├── JobCancelled
│   └── JobExpired
├── NoOutputsError                  the job completed with no outputs (nothing to download)
├── PollTimeout                     wait() gave up before the job finished
└── images.ImagePreflightError      an image URL a provider could not fetch (client.images)
```

`STATUS_ERRORS` maps HTTP statuses to classes and `JOB_ERRORS` maps job statuses to classes:
nothing else decides which class is raised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from client._retry import parse_retry_after

if TYPE_CHECKING:
    import httpx

    from client.models import Job

__all__ = [
    "JOB_ERRORS",
    "STATUS_ERRORS",
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadGatewayError",
    "BadRequestError",
    "ConflictError",
    "GoneError",
    "InternalServerError",
    "JobCancelled",
    "JobError",
    "JobExpired",
    "JobFailed",
    "MissingAPIKeyError",
    "ModelGatesError",
    "NoOutputsError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "PollTimeout",
    "RateLimitError",
    "ServiceUnavailableError",
]


class ModelGatesError(Exception):
    """Base class of every error raised by this client."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MissingAPIKeyError(ModelGatesError):
    """An operation needs an API key and none was given (argument or MODELGATES_API_KEY)."""

    def __init__(self) -> None:
        super().__init__("No API key: pass api_key=... or set the MODELGATES_API_KEY environment variable.")


class APIConnectionError(ModelGatesError):
    """The request failed before an HTTP answer arrived (DNS, refused, reset, protocol error)."""

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.request = request


class APITimeoutError(APIConnectionError):
    """A connect, read, write or pool timeout expired."""


class APIStatusError(ModelGatesError):
    """The server answered with an error status; `code`, `message`, `metadata` come from its
    error envelope (`{"error": {"code", "message", "metadata"}}`)."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        code: int | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.response = response
        self.status_code = response.status_code
        self.code = response.status_code if code is None else code
        self.metadata = metadata

    def __str__(self) -> str:
        return f"{self.status_code}: {self.message}"


class BadRequestError(APIStatusError):
    """400: the request is invalid, or asks a model for something it does not support."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing or not valid."""


class PaymentRequiredError(APIStatusError):
    """402: credits or the key's limit are exhausted (submit only)."""


class NotFoundError(APIStatusError):
    """404: unknown job (or another key's), or content that is not ready / out of range."""


class RateLimitError(APIStatusError):
    """429: too many requests; `retry_after` is the server's hint in seconds, if it gave one."""

    @property
    def retry_after(self) -> float | None:
        return parse_retry_after(self.response.headers.get("retry-after"), self.response.headers.get("date"))


class InternalServerError(APIStatusError):
    """500: the server failed. On submit the job may still have been created."""


class BadGatewayError(APIStatusError):
    """502: the upstream provider failed (content download)."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this (disabled), or a signed URL does not verify."""


class ConflictError(APIStatusError):
    """409: the output is not ready yet (the job has not completed), or `previous_job_id` names a
    job that has not completed."""


class GoneError(APIStatusError):
    """410: the output has expired; the job cannot be downloaded any more (submit again to get
    a new video, knowing that it is billed again)."""


class PayloadTooLargeError(APIStatusError):
    """413: the request body is above the service's limit (50 MiB)."""


class ServiceUnavailableError(APIStatusError):
    """503: the service is overloaded; `retry_after` is the server's hint, if any."""

    @property
    def retry_after(self) -> float | None:
        return parse_retry_after(self.response.headers.get("retry-after"), self.response.headers.get("date"))


class NoOutputsError(ModelGatesError):
    """The job completed but has no outputs (e.g. filtered by the provider): there is nothing to
    download. Not retried: the job is finished and was billed."""

    def __init__(self, job: Job) -> None:
        super().__init__(f"Job {job.id} completed with no outputs; there is nothing to download.")
        self.job = job


class APIResponseValidationError(ModelGatesError):
    """A successful answer whose body is not what the document promises (not JSON, a required
    field missing or of the wrong type)."""

    def __init__(self, message: str, *, response: httpx.Response) -> None:
        super().__init__(message)
        self.response = response
        self.status_code = response.status_code


class JobError(ModelGatesError):
    """The job ended without a video; `message` is the server's `error` text, verbatim."""

    def __init__(self, job: Job) -> None:
        super().__init__(job.error if job.error is not None else f"Video generation {job.status}.")
        self.job = job


class JobFailed(JobError):
    """The job's status is `failed`."""


class JobCancelled(JobError):
    """The job's status is `cancelled`."""


class JobExpired(JobError):
    """The job's status is `expired` (it exceeded the maximum time to live)."""


class PollTimeout(ModelGatesError):
    """`wait()` reached its timeout while the job was still running; the job goes on server-side
    and can be waited for again."""

    def __init__(self, job: Job, waited: float) -> None:
        super().__init__(f"Job {job.id} is still {job.status} after waiting {waited:g} s.")
        self.job = job
        self.waited = waited


STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    410: GoneError,
    413: PayloadTooLargeError,
    429: RateLimitError,
    500: InternalServerError,
    502: BadGatewayError,
    503: ServiceUnavailableError,
}

JOB_ERRORS: dict[str, type[JobError]] = {
    "failed": JobFailed,
    "cancelled": JobCancelled,
    "expired": JobExpired,
}
