"""The sans-I/O core shared by `ModelGates` and `AsyncModelGates`.

It builds requests, parses answers, maps errors and decides retries and where the API key may
go; the two clients only send, sleep and await. Nothing here performs network I/O.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from client import _retry
from client._download import IncompleteBody
from client.errors import (
    STATUS_ERRORS,
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    MissingAPIKeyError,
    NoOutputsError,
)
from client.models import Job, VideoModel, VideoModelsList, VideoRequest

if TYPE_CHECKING:
    from client._config import ClientConfig

__all__ = ["USER_AGENT", "Core", "RequestSpec", "download_error", "origin", "resume_spec"]

USER_AGENT = "modelgates-mock-client/0.1.0"
_M = TypeVar("_M", bound=BaseModel)
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Bodies served as video must not be text or JSON: that is an error page with a 200 status.
_NOT_VIDEO_PREFIXES = ("application/json", "text/")


@dataclass(frozen=True)
class RequestSpec:
    """One logical request; the clients turn it into an `httpx.Request` on every attempt."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    json: dict[str, Any] | None = None
    idempotent: bool = True  # False for submit: a retry after the server saw it pays twice
    follow_redirects: bool = False


def origin(url: str | httpx.URL) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the default port made explicit, to compare two URLs' hosts."""
    parsed = httpx.URL(url)
    return parsed.scheme, parsed.host, parsed.port or _DEFAULT_PORTS.get(parsed.scheme)


class Core:
    """Pure request/response logic bound to one configuration and one random source."""

    def __init__(self, config: ClientConfig, *, rng: random.Random | None = None) -> None:
        self.config = config
        self.policy = _retry.RetryPolicy(max_retries=config.max_retries)
        self.rng = rng if rng is not None else random.Random()
        self._origin = origin(config.base_url)

    # -- where the key goes ----------------------------------------------------------------

    def resolve(self, url: str) -> str:
        """An absolute URL; a relative one is taken relative to the API's base URL."""
        return str(httpx.URL(self.config.base_url + "/").join(url))

    def api_url(self, job_id: str) -> str:
        """`<base>/videos/{id}`, the id escaped so that it cannot change the path."""
        if not job_id:
            raise ValueError("job id must not be empty")
        return f"{self.config.base_url}/videos/{quote(job_id, safe='')}"

    def is_api_url(self, url: str) -> bool:
        """True only for the API's own scheme, host and port: the only place the key is sent."""
        return origin(url) == self._origin

    def headers_for(self, url: str, *, key_required: bool = True) -> dict[str, str]:
        """Headers for `url`: the key only for the API's origin, and an error if it is needed
        and missing, raised while building the request so that nothing has been sent yet."""
        headers = {"User-Agent": USER_AGENT}
        if not self.is_api_url(url):
            return headers
        if self.config.api_key is not None:
            headers["Authorization"] = f"Bearer {self.config.api_key}"
        elif key_required:
            raise MissingAPIKeyError()
        return headers

    # -- requests --------------------------------------------------------------------------

    def list_models_spec(self) -> RequestSpec:
        url = f"{self.config.base_url}/videos/models"
        return RequestSpec("GET", url, self.headers_for(url, key_required=False))

    def submit_spec(self, request: VideoRequest | None, fields: dict[str, Any]) -> RequestSpec:
        body = video_request(request, fields).to_body()
        url = f"{self.config.base_url}/videos"
        return RequestSpec("POST", url, self.headers_for(url), json=body, idempotent=False)

    def get_spec(self, job: Job | str) -> RequestSpec:
        """Poll `job.polling_url` as the server asked, or build the URL from a bare id."""
        url = self.resolve(job.polling_url) if isinstance(job, Job) else self.api_url(job)
        return RequestSpec("GET", url, self.headers_for(url))

    def download_spec(self, job: Job | str, index: int) -> RequestSpec:
        """The signed `urls[index]` if the job has it (sent without the key: it needs none), else
        `unsigned_urls[index]`, else the content endpoint. A completed job with no outputs raises
        `NoOutputsError` before anything is sent.

        Redirects are followed: httpx drops the Authorization header when a redirect leaves the
        API's origin, which keeps the key-host rule.
        """
        if index < 0:
            raise ValueError(f"index must be >= 0, got {index}")
        listed = isinstance(job, Job) and (job.urls is not None or job.unsigned_urls is not None)
        if isinstance(job, Job) and listed and job.is_completed and not (job.urls or job.unsigned_urls):
            raise NoOutputsError(job)
        signed = job.urls if isinstance(job, Job) else None
        if signed and index < len(signed):
            url = self.resolve(signed[index])
            return RequestSpec("GET", url, {"User-Agent": USER_AGENT}, follow_redirects=True)
        urls = job.unsigned_urls if isinstance(job, Job) else None
        if urls is not None and index < len(urls):
            url = self.resolve(urls[index])
        else:
            job_id = job.id if isinstance(job, Job) else job
            url = f"{self.api_url(job_id)}/content?index={index}"
        return RequestSpec("GET", url, self.headers_for(url), follow_redirects=True)

    def build(self, http: httpx.Client | httpx.AsyncClient, spec: RequestSpec) -> httpx.Request:
        return http.build_request(
            spec.method, spec.url, headers=spec.headers, json=spec.json, timeout=self.config.timeout
        )

    # -- responses -------------------------------------------------------------------------

    def parse_job(self, response: httpx.Response) -> Job:
        return _validate(Job, response)

    def parse_models(self, response: httpx.Response) -> list[VideoModel]:
        return _validate(VideoModelsList, response).data

    def check_video(self, response: httpx.Response) -> None:
        content_type = response.headers.get("content-type", "")
        if content_type.lower().startswith(_NOT_VIDEO_PREFIXES):
            raise APIResponseValidationError(
                f"expected a video from {response.request.url}, got {content_type!r}",
                response=response,
            )

    # -- retries ---------------------------------------------------------------------------

    def delay_after_response(self, spec: RequestSpec, attempt: int, response: httpx.Response) -> float:
        """Seconds before retrying an error answer, or raise its mapped error (body read)."""
        headers = response.headers
        hint = _retry.parse_retry_after(headers.get("retry-after"), headers.get("date"))
        outcome = _retry.Outcome(status=response.status_code, retry_after=hint)
        delay = self._decide(spec, attempt, outcome)
        if delay is None:
            raise status_error(response)
        return delay

    def delay_after_exception(self, spec: RequestSpec, attempt: int, exc: httpx.RequestError) -> float:
        """Seconds before retrying a request that got no answer, or raise APIConnectionError.

        Call it inside the `except` block so that the raised error chains `exc`.
        """
        delay = self._decide(spec, attempt, _retry.Outcome(failure=classify(exc)))
        if delay is None:
            raise connection_error(exc) from exc
        return delay

    def _decide(self, spec: RequestSpec, attempt: int, outcome: _retry.Outcome) -> float | None:
        return _retry.decide(self.policy, attempt, outcome, idempotent=spec.idempotent, rng=self.rng)


def video_request(request: VideoRequest | None, fields: dict[str, Any]) -> VideoRequest:
    """The request to submit: `request`, with keyword `fields` added or overriding."""
    if request is None:
        return VideoRequest.model_validate(fields)
    if not fields:
        return request
    return VideoRequest.model_validate(request.model_dump(exclude_unset=True) | fields)


def classify(exc: httpx.RequestError) -> _retry.Failure | None:
    """Whether the server may have seen a request that got no answer (None: not retryable)."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return _retry.Failure.NOT_SENT
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError):
        return None  # a bug on our side: the same request would fail again
    if isinstance(exc, httpx.TransportError):
        return _retry.Failure.MAYBE_SENT
    return None


def resume_spec(spec: RequestSpec, headers: dict[str, str]) -> RequestSpec:
    """`spec` with a download's resume headers (`Range`, `If-Range`) added, if it has any."""
    return dataclasses.replace(spec, headers={**spec.headers, **headers}) if headers else spec


def download_error(exc: httpx.RequestError | IncompleteBody, request: httpx.Request) -> APIConnectionError:
    """The error of a download whose body broke more often than it may be resumed."""
    if isinstance(exc, httpx.RequestError):
        return connection_error(exc)
    return APIConnectionError(f"{type(exc).__name__}: {exc}", request=request)


def connection_error(exc: httpx.RequestError) -> APIConnectionError:
    cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    return cls(f"{type(exc).__name__}: {exc}", request=exc.request)


def status_error(response: httpx.Response) -> APIStatusError:
    """The error for an error answer, from the status table and the error envelope.

    A body that is not the envelope (a proxy's HTML page, say) still gives the status's class.
    """
    cls = STATUS_ERRORS.get(response.status_code, APIStatusError)
    error = _envelope(response)
    message = error.get("message")
    code = error.get("code")
    metadata = error.get("metadata")
    return cls(
        message if isinstance(message, str) else _fallback_message(response),
        response=response,
        code=code if isinstance(code, int) else None,
        metadata=metadata if isinstance(metadata, dict) else None,
    )


def _envelope(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _fallback_message(response: httpx.Response) -> str:
    text = response.text.strip()
    return text[:200] if text else response.reason_phrase or f"HTTP {response.status_code}"


def _validate(model: type[_M], response: httpx.Response) -> _M:
    # pydantic's ValidationError covers both invalid JSON and a body that breaks the schema.
    try:
        return model.model_validate_json(response.content)
    except ValueError as exc:
        raise APIResponseValidationError(
            f"{response.request.method} {response.request.url} answered "
            f"{response.status_code} with a body that breaks the schema: {exc}",
            response=response,
        ) from exc
