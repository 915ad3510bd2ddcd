"""The OpenAPI document, loaded once: served as-is, and used to validate request bodies.

The YAML file is the only source. Parsing it (PyYAML's import plus ~13 ms even with libyaml)
was a sixth of the server's startup, so the parsed form is also kept as JSON in the user's
cache directory, named by the SHA-256 of the YAML text: an edited document has another name,
so a stale copy is never read. Any trouble with the cache falls back to parsing the YAML.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import jsonschema_rs

from mockserver._resources import openapi_path

__all__ = ["Document", "cache_dir", "dump_document", "load_document", "parse_document"]


@dataclass(frozen=True)
class Document:
    text: str
    spec: dict[str, Any]
    # Building one is ~0.8 ms, a third of a pytest fixture's set-up; a validator holds no state.
    _validators: dict[str, jsonschema_rs.Draft202012Validator] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def validator(self, schema_name: str) -> jsonschema_rs.Draft202012Validator:
        """A validator for one component schema, with format checking (`uri`) on; built once."""
        validator = self._validators.get(schema_name)
        if validator is None:
            schema = {
                "$ref": f"#/components/schemas/{schema_name}",
                "components": self.spec["components"],
            }
            validator = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
            self._validators[schema_name] = validator
        return validator

    @cached_property
    def open_request_fields(self) -> frozenset[str] | None:
        """The submit body's known fields when the document accepts others too (2026-10), else None."""
        schema = self.spec["components"]["schemas"]["VideoGenerationRequest"]
        if schema.get("additionalProperties", True) is False:
            return None
        return frozenset(schema.get("properties", {}))

    @cached_property
    def json_bytes(self) -> bytes:
        return json.dumps(self.spec).encode()


def cache_dir() -> Path | None:
    """`$XDG_CACHE_HOME/modelgates-mock` (default ~/.cache); None when there is no home."""
    try:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    except RuntimeError:  # no HOME and no passwd entry
        return None
    return Path(base) / "modelgates-mock"


def parse_document(text: str, cache: Path | None) -> dict[str, Any]:
    """The YAML text as data, from `cache` when it holds this exact text's JSON form."""
    cached = cache / f"openapi-{hashlib.sha256(text.encode()).hexdigest()}.json" if cache else None
    if cached is not None:
        try:
            spec: dict[str, Any] = json.loads(cached.read_bytes())
            return spec
        except (OSError, ValueError):  # absent, unreadable or cut short: parse the YAML
            pass
    import yaml  # only when the cache cannot answer (~10 ms to import)

    # The C loader is ~10x faster on this 40 KB document; PyYAML without libyaml lacks it.
    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = yaml.load(text, Loader=loader)  # a safe loader (CSafeLoader or SafeLoader)
    if cached is not None:
        _store(cached, spec)
    return spec


def _store(path: Path, spec: dict[str, Any]) -> None:
    """Write the JSON form atomically, only if JSON keeps it exactly (no dates, no int keys)."""
    try:
        encoded = json.dumps(spec)
    except (TypeError, ValueError):  # a date, a set: only YAML can say it
        return
    if json.loads(encoded) != spec:  # int keys come back as strings
        return
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # one writer per name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(encoded, encoding="utf-8")
        os.replace(temporary, path)  # readers see the whole file or none
    except OSError:  # a read-only home: every start parses the YAML, as before
        with contextlib.suppress(OSError):
            temporary.unlink()


def dump_document(spec: dict[str, Any]) -> Document:
    """A document made in code (`constrained.py`), with its YAML text."""
    import yaml

    dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return Document(yaml.dump(spec, Dumper=dumper, sort_keys=False, allow_unicode=True), spec)


@cache
def load_document(name: str = "modelgates.yaml") -> Document:
    """The vendor document `name` under openapi/ (an API version's `document`), parsed once."""
    text = openapi_path(name).read_text(encoding="utf-8")
    return Document(text, parse_document(text, cache_dir()))
