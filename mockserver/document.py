"""The OpenAPI document, loaded once: served as-is, and used to validate request bodies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

import jsonschema_rs
import yaml

from .resources import openapi_path

__all__ = ["Document", "load_document"]

# The C loader is ~10x faster on this 40 KB document; PyYAML without libyaml lacks it.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Document:
    text: str
    spec: dict[str, Any]

    def validator(self, schema_name: str) -> jsonschema_rs.Draft202012Validator:
        """A validator for one component schema, with format checking (`uri`) on."""
        schema = {
            "$ref": f"#/components/schemas/{schema_name}",
            "components": self.spec["components"],
        }
        return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)

    @cached_property
    def json_bytes(self) -> bytes:
        return json.dumps(self.spec).encode()


@cache
def load_document() -> Document:
    text = openapi_path().read_text(encoding="utf-8")
    return Document(text, yaml.load(text, Loader=_Loader))  # a safe loader (CSafeLoader or SafeLoader)
