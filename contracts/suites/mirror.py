"""Schema-valid *responses* and *requests* of the document, as Hypothesis strategies.

Schemathesis only generates requests, so each JSON response schema is mirrored into the required
request body of a synthetic operation (`POST /__responses__/N`) and read back off the generated
case: the same OpenAPI 3.1 handling that fuzzes the server now feeds the client.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema_rs
import schemathesis
from hypothesis import strategies as st

from .document import load_document

__all__ = [
    "ResponseKey",
    "component_validator",
    "mirror",
    "request_bodies",
    "response_bodies",
    "response_keys",
    "response_validator",
]


@dataclass(frozen=True, order=True)
class ResponseKey:
    """One documented JSON answer: operation path, method and status."""

    path: str
    method: str
    status: str

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


def mirror(document: dict[str, Any]) -> tuple[dict[str, Any], dict[ResponseKey, str]]:
    """A document whose operations take each JSON response schema as their request body."""
    paths: dict[str, Any] = {}
    index: dict[ResponseKey, str] = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation.get("responses", {}).items():
                response = _resolve(document, response)
                media = response.get("content", {}).get("application/json")
                if media is None:
                    continue
                synthetic = f"/__responses__/{len(index)}"
                index[ResponseKey(path, method.upper(), status)] = synthetic
                body = {"required": True, "content": {"application/json": {"schema": copy.deepcopy(media["schema"])}}}
                paths[synthetic] = {
                    "post": {"security": [], "requestBody": body, "responses": {"200": {"description": "unused"}}}
                }
    mirrored = {
        "openapi": document["openapi"],
        "info": document["info"],
        "paths": paths,
        "components": copy.deepcopy(document.get("components", {})),
    }
    return mirrored, index


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    reference = node.get("$ref")
    if reference is None:
        return node
    target: Any = document
    for part in reference.removeprefix("#/").split("/"):
        target = target[part]
    return dict(target)


@cache
def _mirrored() -> tuple[Any, dict[ResponseKey, str], dict[str, Any]]:
    document = load_document()
    mirrored, index = mirror(document)
    return schemathesis.openapi.from_dict(mirrored, config=schemathesis.Config()), index, document


def response_keys() -> list[ResponseKey]:
    """Every documented JSON answer, sorted (stable test ids)."""
    return sorted(_mirrored()[1])


def response_bodies(key: ResponseKey) -> st.SearchStrategy[Any]:
    """Bodies valid against the response schema of `key`."""
    schema, index, _ = _mirrored()
    operation = schema[index[key]]["POST"]
    strategy = operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE)
    return strategy.map(lambda case: case.body)  # type: ignore[no-any-return]


def request_bodies() -> st.SearchStrategy[dict[str, Any]]:
    """Schema-valid `POST /videos` bodies (`VideoGenerationRequest`)."""
    document = load_document()
    schema = schemathesis.openapi.from_dict(document, config=schemathesis.Config())
    operation = schema["/videos"]["POST"]
    strategy = operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE)
    return strategy.map(_dict_body)


def _dict_body(case: Any) -> dict[str, Any]:
    body = case.body
    assert isinstance(body, dict)
    return body


def component_validator(name: str) -> jsonschema_rs.Draft202012Validator:
    """A format-checking validator for `#/components/schemas/<name>`."""
    components = _mirrored()[2]["components"]
    return jsonschema_rs.Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": components}, validate_formats=True
    )


def response_validator(key: ResponseKey) -> jsonschema_rs.Draft202012Validator:
    """A format-checking validator for the response schema of `key`."""
    document = _mirrored()[2]
    response = _resolve(document, document["paths"][key.path][key.method.lower()]["responses"][key.status])
    schema = response["content"]["application/json"]["schema"]
    return jsonschema_rs.Draft202012Validator({**schema, "components": document["components"]}, validate_formats=True)
