"""The reference client against the document: property tests, no server.

- every schema-valid JSON answer of every operation is parsed (2xx) or raised as the mapped
  typed error carrying the envelope's code and message (4xx/5xx), by the sync and async client;
- every request body the client builds from schema-valid parameters validates against
  `VideoGenerationRequest` (formats checked) and equals the input: nothing dropped or renamed;
- an answer that breaks the schema (a required field of the wrong type, or not JSON at all)
  raises `APIResponseValidationError`, never anything else.
"""

from __future__ import annotations

import asyncio
import copy
import io
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from client import APIResponseValidationError, APIStatusError, AsyncModelGates, ModelGates, ModelGatesError
from client.errors import STATUS_ERRORS
from client.models import VideoRequest
from contracts.suites.mirror import ResponseKey, component_validator, request_bodies, response_bodies, response_keys

pytestmark = pytest.mark.slow  # generated bodies for every documented answer, sync and async

BASE = "https://modelgates.test/api/v1"
KEY = "sk-mg-v1-" + "c0" * 32
JOB_ID = "Nu908SAyQg81UNYgC4Xh"
SUBMIT_202 = ResponseKey("/videos", "POST", "202")
POLL_200 = ResponseKey("/videos/{jobId}", "GET", "200")
MODELS_200 = ResponseKey("/videos/models", "GET", "200")
PROPERTY = settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
REQUEST_SCHEMA = component_validator("VideoGenerationRequest")
JOB_SCHEMA = component_validator("VideoGenerationResponse")
MODELS_SCHEMA = component_validator("VideoModelsListResponse")


def _answer(status: int, body: bytes, content_type: str = "application/json") -> httpx.MockTransport:
    headers = {"content-type": content_type}
    return httpx.MockTransport(lambda request: httpx.Response(status, content=body, headers=headers))


def _sync(transport: httpx.MockTransport) -> ModelGates:
    return ModelGates(api_key=KEY, base_url=BASE, transport=transport, max_retries=0, sleep=lambda _: None)


def _call_sync(key: ResponseKey, transport: httpx.MockTransport) -> Any:
    with _sync(transport) as mg:
        if key.path == "/videos":
            return mg.submit(model="google/veo-3.1-lite", prompt="p")
        if key.path == "/videos/models":
            return mg.list_models()
        if key.path == "/videos/{jobId}":
            return mg.get(JOB_ID)
        return mg.download(JOB_ID, to=io.BytesIO())


def _call_async(key: ResponseKey, transport: httpx.MockTransport) -> Any:
    async def nothing(_: float) -> None:
        return None

    async def call() -> Any:
        async with AsyncModelGates(api_key=KEY, base_url=BASE, transport=transport, max_retries=0, sleep=nothing) as mg:
            if key.path == "/videos":
                return await mg.submit(model="google/veo-3.1-lite", prompt="p")
            if key.path == "/videos/models":
                return await mg.list_models()
            if key.path == "/videos/{jobId}":
                return await mg.get(JOB_ID)
            return await mg.download(JOB_ID, to=io.BytesIO())

    return asyncio.run(call())


CALLERS: dict[str, Callable[[ResponseKey, httpx.MockTransport], Any]] = {"sync": _call_sync, "async": _call_async}


def _check_parsed(key: ResponseKey, body: Any, parsed: Any) -> None:
    if key == MODELS_200:
        assert [model.id for model in parsed] == [model["id"] for model in body["data"]]
    else:
        assert (parsed.id, parsed.status, parsed.polling_url) == (body["id"], body["status"], body["polling_url"])
        assert parsed.unsigned_urls == body.get("unsigned_urls")
        assert parsed.error == body.get("error")


@pytest.mark.parametrize("caller", sorted(CALLERS))
@pytest.mark.parametrize("key", response_keys(), ids=str)
def test_every_documented_answer_is_understood(key: ResponseKey, caller: str) -> None:
    call = CALLERS[caller]

    @PROPERTY
    @given(body=response_bodies(key))
    def answered(body: Any) -> None:
        transport = _answer(int(key.status), json.dumps(body).encode())
        if key.status.startswith("2"):
            _check_parsed(key, body, call(key, transport))
            return
        with pytest.raises(APIStatusError) as raised:
            call(key, transport)
        error = raised.value
        assert type(error) is STATUS_ERRORS.get(int(key.status), APIStatusError)
        assert (error.status_code, error.code, error.message) == (
            int(key.status),
            body["error"]["code"],
            body["error"]["message"],
        )
        metadata = body["error"].get("metadata")
        assert error.metadata == (metadata if isinstance(metadata, dict) else None)

    answered()


@PROPERTY
@given(body=request_bodies(), as_model=st.booleans())
def test_requests_are_schema_valid_and_complete(body: dict[str, Any], as_model: bool) -> None:
    sent: list[httpx.Request] = []

    def server(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(202, json={"id": JOB_ID, "polling_url": f"{BASE}/videos/{JOB_ID}", "status": "pending"})

    with _sync(httpx.MockTransport(server)) as mg:
        if as_model:
            mg.submit(VideoRequest.model_validate(copy.deepcopy(body)))
        else:
            mg.submit(**copy.deepcopy(body))
    assert len(sent) == 1
    request = sent[0]
    assert (request.method, str(request.url)) == ("POST", f"{BASE}/videos")
    assert request.headers["content-type"] == "application/json"
    payload = json.loads(request.content)
    assert [error.message for error in REQUEST_SCHEMA.iter_errors(payload)] == []
    assert payload == body


_WRONG = st.sampled_from([None, 0, -1, 1.5, "", "x", True, [], {}, ["x"], {"x": 1}])
# The JSON type of each required field (a wrong *type*; a wrong value of the right type, such as an
# unknown status string, is something the lenient client accepts on purpose).
_JOB_FIELDS = {"id": "string", "polling_url": "string", "status": "string"}
_MODEL_FIELDS = {
    "id": "string",
    "canonical_slug": "string",
    "name": "string",
    "created": "integer",
    "allowed_passthrough_parameters": "array",
}


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    names = {type(None): "null", float: "number", str: "string", list: "array", dict: "object"}
    return names[type(value)]


def _breakable(key: ResponseKey, body: Any, data: st.DataObject) -> tuple[list[str | int], str]:
    """A required field of `body` (a path into it, and its JSON type), maybe inside `data[i]`."""
    if key == MODELS_200 and body["data"] and data.draw(st.booleans(), label="inside a model"):
        index = data.draw(st.integers(0, len(body["data"]) - 1), label="model")
        field = data.draw(st.sampled_from(sorted(_MODEL_FIELDS)), label="field")
        return ["data", index, field], _MODEL_FIELDS[field]
    if key == MODELS_200:
        return ["data"], "array"
    field = data.draw(st.sampled_from(sorted(_JOB_FIELDS)), label="field")
    return [field], _JOB_FIELDS[field]


@pytest.mark.parametrize("key", [SUBMIT_202, POLL_200, MODELS_200], ids=str)
def test_a_wrong_type_in_a_required_field_is_a_typed_error(key: ResponseKey) -> None:
    schema = MODELS_SCHEMA if key == MODELS_200 else JOB_SCHEMA

    @PROPERTY
    @given(body=response_bodies(key), wrong=_WRONG, data=st.data())
    def broken(body: Any, wrong: Any, data: st.DataObject) -> None:
        body = copy.deepcopy(body)
        path, declared = _breakable(key, body, data)
        assume(_json_type(wrong) != declared)
        target = body
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = wrong
        assume(not schema.is_valid(body))
        with pytest.raises(APIResponseValidationError):
            _call_sync(key, _answer(int(key.status), json.dumps(body).encode()))

    broken()


@pytest.mark.parametrize("key", [SUBMIT_202, POLL_200, MODELS_200], ids=str)
@PROPERTY
@given(raw=st.binary(max_size=64) | st.text(max_size=64).map(str.encode))
def test_garbage_is_a_typed_error_never_a_crash(key: ResponseKey, raw: bytes) -> None:
    try:
        document = json.loads(raw)
    except ValueError:
        document = None
    assume(not (JOB_SCHEMA.is_valid(document) or MODELS_SCHEMA.is_valid(document)))
    with pytest.raises(ModelGatesError) as raised:
        _call_sync(key, _answer(int(key.status), raw))
    assert isinstance(raised.value, APIResponseValidationError)
