"""API versions as data: everything that differs between the seeds' API and today's, in one table.

A version is a profile (`ApiVersion`); the service, the shell and the CLI read its fields and
never ask which version is running. `2026-06` is the seeds' contract, unchanged; `2026-10` is the
API as `api-facts-current.md` describes it. Add a version by adding a row to `VERSIONS`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "NEWEST",
    "VERSIONS",
    "VERSION_ENV",
    "ApiVersion",
    "api_version",
    "default_version_name",
]

# A whole test suite (or a shell) can pick the version of every config that names none.
VERSION_ENV = "MODELGATES_API_VERSION"

IdFormat = Literal["plain", "gen-vid"]

_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ApiVersion:
    """One version of the vendor API: its document, its catalog and each rule that differs."""

    name: str
    document: str  # file name under openapi/
    catalog: str  # path under the data root (fixtures/...)
    max_body_bytes: int  # the default body limit
    too_large_status: int  # a body over the limit: 400 (seeds) or 413
    not_ready_status: int  # content of a job that has not completed: 404 (seeds) or 409
    gone_status: int  # content of an output that has expired: 404 (seeds: no 410) or 410
    disabled_key_status: int  # a key disabled through the control API: 401 (seeds: no 403) or 403
    job_id_format: IdFormat  # "plain": 20 alphanumerics; "gen-vid": gen-vid-<unix s>-<20 alnum>
    signed_urls: bool  # completed jobs carry `urls` + `expires_at` beside `unsigned_urls`
    # How long a completed job's outputs (and their signed URLs) last; None: as long as the job is kept.
    output_seconds: int | None
    current_fields: bool  # previous_job_id, session_id, trace, references, upscaling: checked
    # Statuses a scenario fault may answer, per operation (the document's, plus 429/503 anywhere).
    fault_statuses: Mapping[str, frozenset[int]]

    def job_id(self, drawn: str, now: float) -> str:
        """The id of a new job from its 20 drawn characters."""
        return drawn if self.job_id_format == "plain" else f"gen-vid-{int(now)}-{drawn}"


# The seeds' lists, as the mock has always checked them.
_SEED_STATUSES = {
    "submit": frozenset({400, 402, 404, 429, 500}),
    "poll": frozenset({404, 500}),
    "content": frozenset({400, 404, 500, 502}),
    "models": frozenset({400, 500}),
}

# 2026-10: what the SDKs map, plus the document's `x-undocumented-responses` (409 on submit, 429
# and 503 on poll: failure mode 4).
_ANYWHERE = frozenset({429, 503})

_CURRENT_STATUSES = {
    "submit": frozenset({400, 401, 402, 403, 404, 409, 413, 429, 500, 503}),
    "poll": frozenset({401, 403, 404, 500}) | _ANYWHERE,
    "content": frozenset({400, 401, 403, 404, 409, 410, 500, 502}),
    "models": frozenset({400, 500}),
}

VERSIONS: dict[str, ApiVersion] = {
    "2026-06": ApiVersion(
        name="2026-06",
        document="modelgates.yaml",
        catalog="fixtures/models.json",
        max_body_bytes=10 * _MIB,
        too_large_status=400,
        not_ready_status=404,
        gone_status=404,
        disabled_key_status=401,
        job_id_format="plain",
        signed_urls=False,
        output_seconds=None,
        current_fields=False,
        fault_statuses=_SEED_STATUSES,
    ),
    "2026-10": ApiVersion(
        name="2026-10",
        document="modelgates-2026-10.yaml",
        catalog="fixtures/catalogs/2026-10.json",
        max_body_bytes=50 * _MIB,
        too_large_status=413,
        not_ready_status=409,
        gone_status=410,
        disabled_key_status=403,
        job_id_format="gen-vid",
        signed_urls=True,
        output_seconds=3600,
        current_fields=True,
        fault_statuses=_CURRENT_STATUSES,
    ),
}

NEWEST = "2026-10"


def default_version_name() -> str:
    """`$MODELGATES_API_VERSION` if set, else the newest version."""
    return os.environ.get(VERSION_ENV) or NEWEST


def api_version(name: str) -> ApiVersion:
    """The profile of `name`; ValueError naming the known versions otherwise."""
    found = VERSIONS.get(name)
    if found is None:
        raise ValueError(f"unknown API version {name!r}; known: {', '.join(VERSIONS)}")
    return found
