"""One place that turns suite settings into an explicit `schemathesis.Config`.

Never rely on `schemathesis.toml` discovery here: the in-process suite, the URL runner and the
plugin may run inside someone else's repository, whose toml would change what we test.

Expected statuses are tightened per operation, so that a server answering 401 (or 404) to
everything fails `positive_data_acceptance`:

- `POST /videos`: 202, or 400 — a schema-valid body can still ask a model for something its
  catalog row does not support (duration, resolution, unknown model, ...), which is a 400.
- `GET /videos/{jobId}`: 200, or 404 — generated ids name no job.
- `GET /videos/{jobId}/content`: 200/206, or 404 (unknown or not completed job, index past the
  outputs) and 416 (a generated `Range` past the end).
- `GET /videos/models`: 200 only.

2026-10 (`CURRENT_EXTRA`) adds what a schema-valid request can still meet there: on submit 404
and 409 (a `previous_job_id` that names no job, or one not completed); on content 403 (a `sig`
that does not verify), 409 (not completed yet) and 410 (expired).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import schemathesis

__all__ = ["CURRENT_EXTRA", "DEFAULT_SEED", "EXPECTED_STATUSES", "PHASES", "SuiteSettings", "build_config"]

DEFAULT_SEED = 20261121
PHASES = ("examples", "coverage", "fuzzing", "stateful")

EXPECTED_STATUSES: dict[str, tuple[str, ...]] = {
    "create-videos": ("202", "400"),
    "get-generation": ("200", "404"),
    "get-video-content": ("200", "206", "404", "416"),
    "list-videos-models": ("200",),
}

CURRENT_EXTRA: dict[str, tuple[str, ...]] = {
    "create-videos": ("404", "409"),
    "get-video-content": ("403", "409", "410"),
}


def expected_statuses() -> dict[str, tuple[str, ...]]:
    """`EXPECTED_STATUSES` for the version under test (`$MODELGATES_API_VERSION`, else 2026-10)."""
    from mockserver.domain.versions import default_version_name

    if default_version_name() == "2026-06":
        return EXPECTED_STATUSES
    return {name: statuses + CURRENT_EXTRA.get(name, ()) for name, statuses in EXPECTED_STATUSES.items()}


@dataclass(frozen=True, kw_only=True)
class SuiteSettings:
    """What one contract run uses. `base_url` None means in-process (the caller sets `schema.app`)."""

    api_key: str
    base_url: str | None = None
    seed: int = DEFAULT_SEED
    max_examples: int = 25
    stateful_steps: int = 8
    phases: tuple[str, ...] = PHASES
    request_timeout: float = 10.0
    parameters: dict[str, str] | None = None  # pinned values, e.g. {"path.jobId": "..."}

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


def build_config(settings: SuiteSettings) -> schemathesis.Config:
    unknown = sorted(set(settings.phases) - set(PHASES))
    if unknown:
        raise ValueError(f"unknown phase(s) {', '.join(unknown)}; choose from {', '.join(PHASES)}")
    data: dict[str, Any] = {
        "seed": settings.seed,
        "headers": settings.auth_headers,
        "request-timeout": settings.request_timeout,
        "generation": {"max-examples": settings.max_examples, "database": "none"},
        "phases": {
            **{phase: {"enabled": phase in settings.phases} for phase in PHASES if phase != "stateful"},
            "stateful": {"enabled": "stateful" in settings.phases, "max-steps": settings.stateful_steps},
        },
        "output": {"sanitization": {"enabled": True}},
        "operations": [
            {
                "include-operation-id": operation_id,
                "checks": {"positive_data_acceptance": {"expected-statuses": list(statuses)}},
            }
            for operation_id, statuses in expected_statuses().items()
        ],
    }
    if settings.parameters:
        data["parameters"] = dict(settings.parameters)
    if settings.base_url is not None:
        data["base-url"] = settings.base_url.rstrip("/")
    return schemathesis.Config.from_dict(data)
