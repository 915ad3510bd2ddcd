"""The catalog an instance serves: its version's built-in one, or the user's own file (`--catalog`).

A user's file is what `GET /videos/models` answers (`{"data": [...]}`, e.g. saved from a real
deployment with `mockserver catalog save`); every row is checked against the running version's
`VideoModel` schema, and each problem is named by row and field, so a hand-edited file fails
loudly at startup instead of answering odd 400s later. A `<stem>.capabilities.json` beside it
adds the mock-only request rules and the `removed` ids, as for the built-ins.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from mockserver._resources import catalog_path
from mockserver.config import MockConfig
from mockserver.domain.catalog import Catalog
from mockserver.domain.requests import param_name
from mockserver.http.documents import Document

__all__ = ["CatalogError", "check_catalog", "load_catalog"]

_SHOWN = 5  # problems listed before "... and N more"


class CatalogError(ValueError):
    """A catalog file that cannot be served; the message names the file, the row and the field."""


def load_catalog(config: MockConfig, document: Document) -> Catalog:
    if config.catalog is None:
        catalog = _builtin(config.version.catalog)
    else:
        path = Path(config.catalog)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeError, ValueError) as exc:
            raise CatalogError(f"{path}: {exc}") from None
        check_catalog(data, document, str(path))
        catalog = Catalog.load(path)
    return catalog.without(config.removed_models) if config.removed_models else catalog


@cache
def _builtin(name: str) -> Catalog:
    # Read once per process (a mock per test shares it): a catalog never changes while serving.
    return Catalog.load(catalog_path(name))


def check_catalog(data: Any, document: Document, where: str) -> None:
    """Raise CatalogError unless `data` is a models response whose rows the document accepts."""
    if not isinstance(data, dict) or not isinstance(data.get("data"), list) or not data["data"]:
        raise CatalogError(f'{where}: expected {{"data": [<model>, ...]}} as GET /videos/models answers it')
    validator = document.validator("VideoModel")
    problems: list[str] = []
    seen: set[str] = set()
    for index, row in enumerate(data["data"]):
        for error in validator.iter_errors(row):
            problems.append(f"data[{index}].{param_name(list(error.instance_path))}: {error.message}")
        model_id = row.get("id") if isinstance(row, dict) else None
        if isinstance(model_id, str):
            if model_id in seen:
                problems.append(f"data[{index}].id: {model_id} is listed twice")
            seen.add(model_id)
    if problems:
        more = f"; ... and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else ""
        raise CatalogError(f"{where}: " + "; ".join(problems[:_SHOWN]) + more)
