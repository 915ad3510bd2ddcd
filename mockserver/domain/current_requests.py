"""Submit rules of the 2026-10 API beyond its document's schema (`ApiVersion.current_fields`).

The schema checks shapes; these check what depends on the model or on other jobs: a prompt-less
request, audio/video references, the upscaling fields, `previous_job_id`, and `session_id` from
the `x-session-id` header. Each problem is an `ApiError` with the status DECISIONS.md gives it.
A model's rules come from the catalog's capabilities sidecar (`2026-10.capabilities.json`:
`prompt_required`, `input_reference_types`, `upscaling`); a catalog without one gets the
defaults below, read from the row itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mockserver.domain.catalog import ModelSpec
from mockserver.domain.errors import ApiError
from mockserver.domain.jobs import Job, JobStatus
from mockserver.domain.requests import url_scheme

__all__ = [
    "MAX_SESSION_ID",
    "TRACE_FIELDS",
    "check_current_request",
    "is_plain_request",
    "is_upscaler",
    "reference_kinds",
]

MAX_SESSION_ID = 256
TRACE_FIELDS = ("trace_id", "trace_name", "span_name", "generation_name", "parent_span_id")

JobLookup = Callable[[str], "Job | None"]  # a job of the submitting key, by id


Capability = Mapping[str, Any]


def is_upscaler(model: ModelSpec, capability: Capability) -> bool:
    """The sidecar's `upscaling`; else: the row's `upscale_factor` is not null (DECISIONS.md)."""
    flag = capability.get("upscaling")
    return bool(flag) if flag is not None else model.row.get("upscale_factor") is not None


def reference_kinds(model: ModelSpec, capability: Capability) -> frozenset[str]:
    """The `input_references[].type`s a model takes: the sidecar's `input_reference_types`; else
    images, or for an upscaler only videos (what it upscales)."""
    listed = capability.get("input_reference_types")
    if isinstance(listed, list):
        return frozenset(str(kind) for kind in listed)
    return frozenset({"video_url"} if is_upscaler(model, capability) else {"image_url"})


# Fields a rule below looks at besides `prompt`: a body with none of them, a prompt and no
# `x-session-id` header passes every rule (what nearly every submit is).
_LOOKED_AT = frozenset({"input_references", "creativity", "upscale_factor", "trace", "session_id", "previous_job_id"})


def is_plain_request(body: dict[str, Any]) -> bool:
    """True only if `check_current_request(body, ...)` without a session header has nothing to check."""
    return body.get("prompt") is not None and _LOOKED_AT.isdisjoint(body)


def check_current_request(
    body: dict[str, Any],
    model: ModelSpec,
    capability: Capability,
    previous: JobLookup,
    session_header: str | None,
) -> None:
    """Raise the first problem of a schema-valid, catalog-valid 2026-10 body; None if it has none."""
    _check_references(body, model, capability)
    _check_prompt(body, model, capability)
    _check_upscaling(body, model, capability)
    _check_trace(body.get("trace"))
    _check_session(body, session_header)
    if "previous_job_id" in body:
        _check_previous(str(body["previous_job_id"]), model, previous)


def _check_references(body: dict[str, Any], model: ModelSpec, capability: Capability) -> None:
    kinds = reference_kinds(model, capability)
    for index, part in enumerate(body.get("input_references") or []):
        kind = part.get("type")
        if kind not in kinds:
            allowed = sorted(kinds)
            message = f"{kind} references are not supported by {model.id}; allowed: {', '.join(allowed)}"
            raise ApiError.invalid(f"input_references[{index}].type", message, value=kind, allowed=allowed)
        if kind == "image_url":
            continue  # checked with the frame images (requests.py)
        url = (part.get(kind) or {}).get("url", "")
        if url_scheme(str(url)) not in ("https", "data"):
            param = f"input_references[{index}].{kind}.url"
            raise ApiError.invalid(param, "reference URLs must be https: or data:", value=url)


def _check_prompt(body: dict[str, Any], model: ModelSpec, capability: Capability) -> None:
    """A prompt may be left out for models that make a video from input alone (the sidecar's
    `prompt_required: false`; without a sidecar, those taking a first frame and upscalers), and
    only when there is input: frame images, references or a previous job (DECISIONS.md)."""
    if body.get("prompt") is not None:
        return
    required = capability.get("prompt_required")
    if required is None:
        frames = model.allowed("supported_frame_images") or []
        required = "first_frame" not in frames and not is_upscaler(model, capability)
    if required:
        raise ApiError.invalid("prompt", f"prompt is required by {model.id}")
    if not (body.get("frame_images") or body.get("input_references") or body.get("previous_job_id")):
        message = (
            "prompt is required unless the request carries input (frame_images, input_references or previous_job_id)"
        )
        raise ApiError.invalid("prompt", message)


def _check_upscaling(body: dict[str, Any], model: ModelSpec, capability: Capability) -> None:
    creativity, factor = body.get("creativity"), body.get("upscale_factor")
    if creativity is None and factor is None:
        return
    if not is_upscaler(model, capability):
        param = "creativity" if creativity is not None else "upscale_factor"
        raise ApiError.invalid(param, f"{param} is only for upscaling models, not {model.id}; omit it")
    allowed = model.row.get("creativity")
    if creativity is not None:
        if not isinstance(allowed, list):
            raise ApiError.invalid("creativity", f"{model.id} takes no creativity; omit it", value=creativity)
        if creativity not in allowed:
            label = ", ".join(str(value) for value in allowed)
            message = f"creativity {creativity} is not supported by {model.id}; allowed: {label}"
            raise ApiError.invalid("creativity", message, value=creativity, allowed=allowed)
    bounds = model.row.get("upscale_factor")
    if factor is not None:
        if not isinstance(bounds, dict):
            raise ApiError.invalid("upscale_factor", f"{model.id} takes no upscale_factor; omit it", value=factor)
        low, high = bounds.get("min"), bounds.get("max")
        if (low is not None and factor < low) or (high is not None and factor > high):
            message = f"upscale_factor {factor} is outside {low}..{high} for {model.id}"
            raise ApiError.invalid("upscale_factor", message, value=factor, allowed=bounds)


def _check_trace(trace: Any) -> None:
    """An object whose named fields are strings; other keys pass through (the facts' extra keys)."""
    if trace is None:
        return
    if not isinstance(trace, dict):
        raise ApiError.invalid("trace", "trace must be an object", value=trace)
    for name in TRACE_FIELDS:
        if name in trace and not isinstance(trace[name], str):
            raise ApiError.invalid(f"trace.{name}", f"trace.{name} must be a string", value=trace[name])


def _check_session(body: dict[str, Any], header: str | None) -> None:
    for param, value in (("session_id", body.get("session_id")), ("x-session-id", header)):
        if value is not None and len(value) > MAX_SESSION_ID:
            message = f"{param} is {len(value)} characters long; at most {MAX_SESSION_ID}"
            raise ApiError.invalid(param, message)


def _check_previous(job_id: str, model: ModelSpec, previous: JobLookup) -> None:
    job = previous(job_id)
    if job is None:  # unknown, or another key's: no existence leak
        raise ApiError(404, "Resource not found", metadata={"param": "previous_job_id", "job_id": job_id})
    if job.model != model.id:
        message = f"previous_job_id {job_id} was made by {job.model}; a follow-up must use the same model"
        raise ApiError.invalid("previous_job_id", message, value=job_id, allowed=[job.model])
    if job.status is not JobStatus.COMPLETED:
        message = f"previous_job_id {job_id} is {job.status.value}; only a completed job can be edited or extended"
        raise ApiError(409, message, metadata={"param": "previous_job_id", "status": job.status.value})
