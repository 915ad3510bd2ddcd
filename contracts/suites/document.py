"""The contract every suite checks against, and names for its operations.

The document is the API version's (`openapi/modelgates.yaml` for 2026-06,
`openapi/modelgates-2026-10.yaml` for 2026-10): `$MODELGATES_API_VERSION`, else the newest
(`python -m contracts --api-version` sets it).

Operation labels are Schemathesis's (`METHOD /path-template`, without the server's base path).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

__all__ = [
    "ALL_OPERATIONS",
    "CONTENT",
    "MODELS",
    "POLL",
    "SUBMIT",
    "TERMINAL_STATUSES",
    "document_path",
    "load_document",
    "status_rank",
]

SUBMIT = "POST /videos"
POLL = "GET /videos/{jobId}"
CONTENT = "GET /videos/{jobId}/content"
MODELS = "GET /videos/models"
ALL_OPERATIONS = (SUBMIT, POLL, CONTENT, MODELS)

TERMINAL_STATUSES = frozenset({"completed", "failed", "cancelled", "expired"})
_RANKS = {"pending": 0, "in_progress": 1, **{status: 2 for status in TERMINAL_STATUSES}}


def status_rank(status: str) -> int | None:
    """Statuses only move up: pending (0) → in_progress (1) → a terminal status (2). None: unknown."""
    return _RANKS.get(status)


def _document_name() -> str:
    from mockserver.domain.versions import api_version, default_version_name

    return api_version(default_version_name()).document


def document_path() -> Path:
    """The OpenAPI document of the API version under test, shipped with the package (checkout or wheel)."""
    from mockserver._resources import openapi_path

    return openapi_path(_document_name())


def load_document() -> dict[str, Any]:
    """A private copy of the parsed document (callers may mutate it)."""
    from mockserver.http.documents import load_document as load

    return copy.deepcopy(load(_document_name()).spec)
