"""The served document made exact for the running catalog (`ApiVersion.constrained_document`).

`model` becomes the catalog's ids, and one `if`/`then` per model carries its catalog rules
(durations, resolutions, aspect ratios, sizes and what each size implies, frame types, audio,
seed, reference types, prompt-less input, the upscaling fields), so that a request valid
against the served document is one the mock accepts: a fuzzer spends its cases on real jobs.
Validation itself keeps using the version's own document plus the mock's code; this copy only
describes those rules to clients. Built once per instance, on the first request for it.
"""

from __future__ import annotations

import copy
from typing import Any

from mockserver.domain.catalog import Catalog, ModelSpec, describe_size
from mockserver.domain.current_requests import is_upscaler, reference_kinds

__all__ = ["constrained_spec"]

Schema = dict[str, Any]

# https: or data:, in any case (the mock compares the scheme lowercased).
_URL = "^([hH][tT][tT][pP][sS]|[dD][aA][tT][aA]):"
# What the webhook policy accepts at submit: https with a plain host (a port below 10000).
_CALLBACK = "^[hH][tT][tT][pP][sS]://[A-Za-z0-9][A-Za-z0-9.-]*(:[1-9][0-9]{0,3})?([/?#]|$)"
_NEVER = False  # JSON Schema `false`: the field may not be sent at all


def constrained_spec(spec: Schema, catalog: Catalog) -> Schema:
    """A copy of `spec` whose `VideoGenerationRequest` says what `catalog` accepts.

    One `anyOf` branch per model and size (none, or each listed size with what it implies),
    each a plain object schema: generators build these directly, where `if`/`then` (or an
    `anyOf` of sizes inside a model's branch) leaves them filtering or unable to start.
    """
    result = copy.deepcopy(spec)
    request: Schema = result["components"]["schemas"]["VideoGenerationRequest"]
    request["properties"]["model"] = {**request["properties"]["model"], "enum": catalog.ids}
    branches = [branch for model in catalog for branch in _model_rules(model, catalog.capability(model.id))]
    request["properties"]["callback_url"] = {**request["properties"]["callback_url"], "pattern": _CALLBACK}
    request["allOf"] = [*request.get("allOf", []), _urls(), {"anyOf": branches}]
    return result


def _urls() -> Schema:
    url = {"properties": {"url": {"type": "string", "pattern": _URL}}}
    part = {"properties": {kind: url for kind in ("image_url", "audio_url", "video_url")}}
    return {"properties": {"frame_images": {"items": part}, "input_references": {"items": part}}}


def _choice(values: list[Any] | None) -> Schema | bool:
    return {"enum": values} if values else _NEVER


def _model_rules(model: ModelSpec, capability: Any) -> list[Schema]:
    properties: Schema = {
        "model": {"const": model.id},
        "duration": _choice(model.allowed("supported_durations")),
        "resolution": _choice(model.allowed("supported_resolutions")),
        "aspect_ratio": _choice(model.allowed("supported_aspect_ratios")),
        "size": _NEVER,
    }
    if not model.audio:
        properties["generate_audio"] = _NEVER
    if not model.seed:
        properties["seed"] = _NEVER
    properties["frame_images"] = _frames(model.allowed("supported_frame_images"))
    kinds = sorted(reference_kinds(model, capability))
    properties["input_references"] = {"items": {"properties": {"type": {"enum": kinds}}}}
    _upscaling(model, capability, properties)
    prompt = {"anyOf": _prompt(model, capability)}
    return [
        {"properties": {**properties, **sized}, "required": ["model", *required], "allOf": [prompt]}
        for sized, required in _sizes(model)
    ]


def _frames(allowed: list[Any] | None) -> Schema:
    if not allowed:
        return {"maxItems": 0}
    frame = {"items": {"properties": {"frame_type": {"enum": allowed}}}}
    if len(allowed) == 1:
        return {**frame, "maxItems": 1}
    # Each frame type at most once: one frame, or two holding both types.
    first, second = ({"contains": {"properties": {"frame_type": {"const": kind}}}} for kind in allowed[:2])
    pair = {"minItems": 2, "maxItems": 2, "allOf": [first, second]}
    return {**frame, "anyOf": [{"maxItems": 1}, pair]}


def _sizes(model: ModelSpec) -> list[tuple[Schema, list[str]]]:
    """No size; or each listed size, with only the resolution and aspect ratio it stands for
    beside it (and only if the model lists them), as (properties, required) pairs."""
    options: list[tuple[Schema, list[str]]] = [({}, [])]
    resolutions = model.allowed("supported_resolutions") or []
    ratios = model.allowed("supported_aspect_ratios") or []
    for size in model.allowed("supported_sizes") or []:
        width, _, height = str(size).partition("x")
        if not (width.isdigit() and height.isdigit() and int(width) and int(height)):
            continue
        resolution, ratio = describe_size(int(width), int(height))
        implied = {
            "size": {"const": size},
            "resolution": {"const": resolution} if resolution in resolutions else _NEVER,
            "aspect_ratio": {"const": ratio} if ratio in ratios else _NEVER,
        }
        options.append((implied, ["size"]))
    return options


def _prompt(model: ModelSpec, capability: Any) -> list[Schema]:
    """`current_requests._check_prompt` as schema: a prompt, or (where allowed) some input."""
    required = capability.get("prompt_required")
    if required is None:
        frames = model.allowed("supported_frame_images") or []
        required = "first_frame" not in frames and not is_upscaler(model, capability)
    options: list[Schema] = [{"required": ["prompt"]}]
    if not required:
        options += [
            {"properties": {"frame_images": {"minItems": 1}}, "required": ["frame_images"]},
            {"properties": {"input_references": {"minItems": 1}}, "required": ["input_references"]},
            {"required": ["previous_job_id"]},
        ]
    return options


def _upscaling(model: ModelSpec, capability: Any, properties: Schema) -> None:
    if not is_upscaler(model, capability):
        properties["creativity"] = properties["upscale_factor"] = _NEVER
        return
    creativity = model.row.get("creativity")
    properties["creativity"] = {"enum": creativity} if isinstance(creativity, list) and creativity else _NEVER
    bounds = model.row.get("upscale_factor")
    if not isinstance(bounds, dict):
        properties["upscale_factor"] = _NEVER
        return
    factor: Schema = {}
    if bounds.get("min") is not None:
        factor["minimum"] = bounds["min"]
    if bounds.get("max") is not None:
        factor["maximum"] = bounds["max"]
    properties["upscale_factor"] = factor
