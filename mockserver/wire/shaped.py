"""Job bodies as a scenario's `Answers` flags shape them: relative `polling_url`, BYOK usage, and
fields no document names. A plain scenario never comes here (the memoized bytes are sent)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from mockserver.domain.scenarios import Answers

__all__ = ["EXTRA_FIELDS", "shaped"]

# Fields a newer service might add: a strict decoder that refuses unknown keys breaks on them.
EXTRA_FIELDS: dict[str, Any] = {"object": "video.generation", "x_mock_unknown": {"added_in": "a later version"}}


def shaped(body: dict[str, Any], answers: Answers) -> dict[str, Any]:
    """`body` (a rendered job) as `answers` says; a new dict, in the same key order."""
    result = dict(body)
    if answers.relative_polling_url and "polling_url" in result:
        result["polling_url"] = urlsplit(result["polling_url"]).path  # /api/v1/videos/{id}
    if answers.byok and "usage" in result:
        result["usage"] = {"cost": None, "is_byok": True}
    if answers.extra_fields:
        result.update(EXTRA_FIELDS)
    return result
