"""The parsed OpenAPI document is cached as JSON keyed by the YAML's hash: fast, never stale."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from mockserver._resources import openapi_path
from mockserver.http.documents import load_document, parse_document

TEXT = "openapi: 3.1.0\ninfo:\n  title: t\n  version: '1'\npaths: {}\n"


def _cached(cache: Path) -> list[Path]:
    return sorted(cache.glob("openapi-*.json"))


def test_the_first_parse_writes_the_json_form_and_the_next_reads_it(tmp_path: Path) -> None:
    first = parse_document(TEXT, tmp_path)
    assert first == yaml.safe_load(TEXT)
    (path,) = _cached(tmp_path)
    assert json.loads(path.read_text()) == first
    path.write_text('{"from": "the cache"}')  # same name: proves the second parse reads it
    assert parse_document(TEXT, tmp_path) == {"from": "the cache"}


def test_an_edited_document_is_never_answered_from_the_old_copy(tmp_path: Path) -> None:
    parse_document(TEXT, tmp_path)
    edited = TEXT.replace("title: t", "title: edited")
    assert parse_document(edited, tmp_path)["info"]["title"] == "edited"
    assert len(_cached(tmp_path)) == 2


def test_a_damaged_copy_is_replaced_by_a_fresh_parse(tmp_path: Path) -> None:
    parse_document(TEXT, tmp_path)
    (path,) = _cached(tmp_path)
    path.write_text('{"openapi": "3.1')  # cut short
    assert parse_document(TEXT, tmp_path) == yaml.safe_load(TEXT)
    assert json.loads(path.read_text()) == yaml.safe_load(TEXT)


def test_an_unwritable_cache_only_costs_the_parse(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    assert parse_document(TEXT, blocked / "cache") == yaml.safe_load(TEXT)
    assert parse_document(TEXT, None) == yaml.safe_load(TEXT)
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


@pytest.mark.parametrize("text", ["released: 2024-01-02\n", "200: ok\n"])  # a date, an int key
def test_yaml_that_json_cannot_keep_exactly_is_not_cached(tmp_path: Path, text: str) -> None:
    assert parse_document(text, tmp_path) == yaml.safe_load(text)
    assert _cached(tmp_path) == []


def test_the_shipped_document_is_the_yaml_file() -> None:
    assert load_document().spec == yaml.safe_load(openapi_path().read_text(encoding="utf-8"))
