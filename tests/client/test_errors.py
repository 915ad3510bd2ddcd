"""The error tree: one table from status to class, envelopes parsed, every class reachable."""

from __future__ import annotations

import inspect

import httpx
import pytest

import client
from client import errors
from client._core import status_error
from client.errors import (
    JOB_ERRORS,
    STATUS_ERRORS,
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadGatewayError,
    BadRequestError,
    ConflictError,
    GoneError,
    InternalServerError,
    JobCancelled,
    JobError,
    JobExpired,
    JobFailed,
    MissingAPIKeyError,
    ModelGatesError,
    NoOutputsError,
    NotFoundError,
    PayloadTooLargeError,
    PaymentRequiredError,
    PermissionDeniedError,
    PollTimeout,
    RateLimitError,
    ServiceUnavailableError,
)
from client.models import Job
from tests.client.fakes import BASE, KEY, FakeAPI, error_reply, job_body

ERROR_CLASSES = {
    obj
    for _, obj in inspect.getmembers(errors, inspect.isclass)
    if issubclass(obj, Exception) and obj.__module__ in ("client", "client.errors")
}

# Classes that are not in a table, and where the client raises them.
RAISED_DIRECTLY = {
    ModelGatesError: "base class",
    APIStatusError: "status_error() for a status missing from STATUS_ERRORS",
    MissingAPIKeyError: "Core.headers_for()",
    APIConnectionError: "core.connection_error()",
    APITimeoutError: "core.connection_error()",
    APIResponseValidationError: "core._validate() / Core.check_video()",
    JobError: "base class of JOB_ERRORS",
    PollTimeout: "_polling.next_poll()",
    NoOutputsError: "Core.download_spec()",
}


def test_the_tree() -> None:
    assert issubclass(APITimeoutError, APIConnectionError)
    for cls in ERROR_CLASSES:
        assert issubclass(cls, ModelGatesError)
    for cls in STATUS_ERRORS.values():
        assert APIStatusError in cls.__mro__
    for cls in JOB_ERRORS.values():
        assert JobError in cls.__mro__


def test_every_error_class_is_exported_and_reachable() -> None:
    tabled = set(STATUS_ERRORS.values()) | set(JOB_ERRORS.values())
    assert tabled | set(RAISED_DIRECTLY) == ERROR_CLASSES
    for cls in ERROR_CLASSES:
        assert cls.__name__ in client.__all__
        assert getattr(client, cls.__name__) is cls


def test_the_docstring_tree_names_every_class() -> None:
    for cls in ERROR_CLASSES:
        assert cls.__name__ in (errors.__doc__ or "")


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (402, PaymentRequiredError),
        (404, NotFoundError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, BadGatewayError),
        # 2026-10's statuses have their own classes (still APIStatusError subclasses).
        (403, PermissionDeniedError),
        (409, ConflictError),
        (410, GoneError),
        (413, PayloadTooLargeError),
        (503, ServiceUnavailableError),
        (418, APIStatusError),
    ],
)
def test_each_status_maps_to_its_class_with_the_envelope(status: int, cls: type) -> None:
    metadata = {"error_type": "x", "param": "duration"}
    response = _answered(error_reply(status, f"message {status}", metadata))
    error = status_error(response)
    assert type(error) is cls
    assert (error.status_code, error.code, error.message) == (status, status, f"message {status}")
    assert error.metadata == metadata
    assert error.response is response
    assert str(error) == f"{status}: message {status}"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html>Bad gateway</html>", "<html>Bad gateway</html>"),
        (b"", "Bad Gateway"),
        (b'{"error": "flat string"}', '{"error": "flat string"}'),
        (b"[1, 2]", "[1, 2]"),
    ],
)
def test_a_body_that_is_not_the_envelope_still_gives_the_status_class(content: bytes, message: str) -> None:
    error = status_error(_answered(httpx.Response(502, content=content)))
    assert type(error) is BadGatewayError
    assert (error.code, error.message, error.metadata) == (502, message, None)


def test_rate_limit_error_carries_retry_after() -> None:
    limited = status_error(_answered(error_reply(429, "Rate limit exceeded", **{"Retry-After": "7"})))
    assert isinstance(limited, RateLimitError)
    assert limited.retry_after == 7.0
    assert RateLimitError("x", response=_answered(httpx.Response(429))).retry_after is None


@pytest.mark.parametrize(
    ("status", "cls"), [("failed", JobFailed), ("cancelled", JobCancelled), ("expired", JobExpired)]
)
def test_job_errors_carry_the_server_text_verbatim(status: str, cls: type[JobError]) -> None:
    job = Job.model_validate(job_body(status, error="  Content policy violation (code 7)"))
    error = JOB_ERRORS[status](job)
    assert type(error) is cls
    assert error.message == str(error) == "  Content policy violation (code 7)"
    assert error.job is job


def test_job_error_without_server_text_says_what_happened() -> None:
    assert str(JobExpired(Job.model_validate(job_body("expired")))) == "Video generation expired."


def test_poll_timeout_keeps_the_job_and_the_wait() -> None:
    job = Job.model_validate(job_body("in_progress"))
    error = PollTimeout(job, 90.0)
    assert (error.job, error.waited) == (job, 90.0)
    assert "in_progress" in str(error) and "90" in str(error)


def test_missing_key_error_says_how_to_fix_it() -> None:
    assert "MODELGATES_API_KEY" in str(MissingAPIKeyError())


def test_status_errors_are_raised_with_their_class_through_the_client() -> None:
    fake = FakeAPI().on("GET", "/api/v1/videos/nope", error_reply(404, "Resource not found"))
    mg = client.ModelGates(api_key=KEY, base_url=BASE, transport=fake.transport())
    with mg, pytest.raises(NotFoundError, match="Resource not found") as caught:
        mg.get("nope")
    assert caught.value.code == 404


@pytest.mark.parametrize("status", sorted(STATUS_ERRORS) + [418, 503])
def test_every_status_reaches_the_caller_as_its_class(status: int) -> None:
    expected = STATUS_ERRORS.get(status, APIStatusError)
    reply = error_reply(status, "why", {"error_type": "t"})
    fake = FakeAPI().on("GET", "/api/v1/videos/j", reply)
    mg = client.ModelGates(api_key=KEY, base_url=BASE, transport=fake.transport(), max_retries=0)
    with mg, pytest.raises(APIStatusError) as caught:
        mg.get("j")
    assert type(caught.value) is expected
    assert (caught.value.code, caught.value.message, caught.value.metadata) == (
        status,
        "why",
        {"error_type": "t"},
    )


def _answered(response: httpx.Response) -> httpx.Response:
    response.request = httpx.Request("GET", f"{BASE}/videos/x")
    response.read()
    return response
