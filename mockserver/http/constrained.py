"""The served document made exact for the running catalog (issue 13 item 4).

`/openapi.yaml` is the version's document with `VideoGenerationRequest` narrowed to what this mock
accepts: `model` the catalog's ids, one `anyOf` branch per model carrying its catalog rules,
image/reference URLs and `callback_url` as the mock reads them. A request valid against it is one
the mock accepts (202, or the documented 404/409 of a `previous_job_id` it cannot know), and one
it forbids is one the mock refuses with 400, so a fuzzer spends its cases on real jobs.
Validation itself keeps using the version's own document plus the mock's code; this copy only
describes those rules. Built once per instance, on the first request for it.

The shapes are chosen for how generators read them (Schemathesis 4.32; measured in
openapi/DECISIONS.md): one plain branch per model, `model` required once beside the branches;
rules tying fields together under `dependentSchemas` (what a size implies; the prompt rule, keyed
on the always-present `model`), which generators honour without multiplying branches (branches
per model and size, or `not`/`if` trees, went past the fuzzer's budget or drowned the 202s in
negative cases); a field a model does not take as `not` of its own type; the provider slugs named
by one pattern; an annotation-only `additionalProperties` left out.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import jsonschema_rs

from mockserver.domain.catalog import Catalog, ModelSpec, describe_size
from mockserver.domain.current_requests import is_upscaler, reference_kinds

__all__ = ["CALLBACK_PATTERN", "LOOPBACK_CALLBACK_PATTERN", "URL_PATTERN", "constrained_spec"]

Schema = dict[str, Any]

# `url_scheme(url)` (mockserver.domain.requests) is https or data: urlsplit's reading, leading
# C0 controls and spaces skipped and tabs, CRs and LFs dropped anywhere.
_GAP = "[\\t\\n\\r]*"


def _spelled(word: str) -> str:
    """`word` in either case, with urlsplit's dropped characters allowed between its letters."""
    return _GAP.join(f"[{letter.lower()}{letter.upper()}]" for letter in word)


URL_PATTERN = f"^[\\x00- ]*({_spelled('https')}|{_spelled('data')}){_GAP}:"

# What the webhook policy accepts at submit, for a string that already is a `format: uri`: https,
# a non-empty host (an IP literal Python can read: IPv6, or IPvFuture with a lowercase `v`) and a
# port of at most 65535.
_PORT = "(:0*([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])?)?"
_USER = "([^/?#@]*@)?"
_END = "([/?#]|$)"
_HOST = "([^/?#@\\[\\]:]+|\\[(v[0-9A-Fa-f]+\\.[^/?#@\\[\\]]+|[0-9A-Fa-f:.]+)\\])"
CALLBACK_PATTERN = f"^[hH][tT][tT][pP][sS]://{_USER}{_HOST}{_PORT}{_END}"
# With --webhook-allow-http-loopback: also http:// to localhost, 127.0.0.0/8 or ::1.
_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_LOOPBACK = (
    "([lL][oO][cC][aA][lL][hH][oO][sS][tT]\\.*"
    f"|127\\.{_OCTET}\\.{_OCTET}\\.{_OCTET}\\.*"
    "|\\[[0:]*:(0{0,3}1|0\\.0\\.0\\.1)\\])"
)
LOOPBACK_CALLBACK_PATTERN = f"({CALLBACK_PATTERN})|(^[hH][tT][tT][pP]://{_USER}{_LOOPBACK}{_PORT}{_END})"

_ANNOTATIONS = frozenset({"description", "title", "examples", "$comment"})
_URL_PARTS = ("FrameImageImageUrl", "ContentPartImageImageUrl", "ContentPartAudioAudioUrl", "ContentPartVideoVideoUrl")


def constrained_spec(spec: Schema, catalog: Catalog, *, current_fields: bool, http_loopback: bool = False) -> Schema:
    """A copy of `spec` whose `VideoGenerationRequest` says what `catalog` accepts.

    `current_fields`: the version checks the 2026-10 rules (prompt-less input, reference types,
    upscaling); `http_loopback`: `--webhook-allow-http-loopback` is on.
    """
    result = copy.deepcopy(spec)
    schemas: Schema = result["components"]["schemas"]
    request: Schema = schemas["VideoGenerationRequest"]
    base: Schema = request["properties"]
    for name in ("resolution", "aspect_ratio"):  # a branch's enum folds into an inline schema, not a $ref
        base[name] = _inlined(base[name], schemas)
    base["model"] = {**base["model"], "enum": catalog.ids}
    pattern = LOOPBACK_CALLBACK_PATTERN if http_loopback else CALLBACK_PATTERN
    base["callback_url"] = {**base["callback_url"], "pattern": pattern}
    for name in _URL_PARTS:
        if name in schemas:
            schemas[name]["properties"]["url"]["pattern"] = URL_PATTERN
    _open_without_annotation(request)
    options = schemas.get("VideoGenerationRequestProviderOptions")
    if isinstance(options, dict) and options.get("properties"):
        _named_by_pattern(options)
    branches = [_model_rules(model, catalog.capability(model.id), base, current_fields) for model in catalog]
    request["anyOf"] = branches or [{"not": {}}]
    request["description"] = (
        f"{request.get('description', '').strip()} This copy is exact for the catalog this mock serves: one "
        "`anyOf` branch per model with the values its row supports (anything else is a 400)."
    ).strip()
    _keep_valid_examples(result)
    return result


def _inlined(prop: Schema, schemas: Schema) -> Schema:
    reference = prop.get("$ref")
    if not isinstance(reference, str):
        return prop
    target = schemas[reference.rsplit("/", 1)[1]]
    siblings = {key: value for key, value in prop.items() if key != "$ref"}
    return {**{key: value for key, value in target.items() if key != "title"}, **siblings}


def _open_without_annotation(request: Schema) -> None:
    """`additionalProperties: {description: …}` admits anything, like leaving it out. Left out, a
    generator starts each branch from its required fields; with it, every branch's starting request
    carried every field, a `previous_job_id` no mock can know included, and most cases were 404s.
    Its text moves into the description."""
    extra = request.get("additionalProperties")
    if isinstance(extra, dict) and set(extra) <= _ANNOTATIONS:
        del request["additionalProperties"]
        if extra.get("description"):
            request["description"] = f"{request.get('description', '').strip()} {extra['description']}".strip()


def _named_by_pattern(options: Schema) -> None:
    """The slugs under `properties` become one `patternProperties` entry per schema they share:
    the same validation (a named slug takes that schema, any other name anything), but a generator
    makes a handful of cases for it instead of ~1,000 in every model's branch (~65,000 in all)."""
    groups: dict[str, tuple[Schema, list[str]]] = {}
    for slug, schema in options.pop("properties").items():
        key = repr(sorted(schema.items())) if isinstance(schema, dict) else repr(schema)
        groups.setdefault(key, (schema, []))[1].append(slug)
    options["patternProperties"] = {
        "^(" + "|".join(_escaped(slug) for slug in slugs) + ")$": schema for schema, slugs in groups.values()
    }


def _escaped(text: str) -> str:
    return "".join(f"\\{char}" if char in ".^$*+?()[]{}|\\" else char for char in text)


def _absent(base: Schema | None) -> Schema:
    """A field this model does not take: `not` of the type the document gives it (nothing is left
    beside it); `{"not": {}}` for an untyped one."""
    kind = (base or {}).get("type")
    return {"not": {"type": kind}} if kind is not None else {"not": {}}


def _unique(values: Iterable[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def _choice(model: ModelSpec, key: str, base: Schema, name: str) -> Schema:
    values = _unique(model.allowed(key) or [])
    return {"enum": values} if values else _absent(base.get(name))


def _model_rules(model: ModelSpec, capability: Any, base: Schema, current_fields: bool) -> Schema:
    """One branch: `requests.check_capabilities` (and, where the version checks them,
    `current_requests`) for this model, as schema."""
    frames = model.allowed("supported_frame_images")
    properties: Schema = {
        "model": {"const": model.id},
        "duration": _choice(model, "supported_durations", base, "duration"),
        "resolution": _choice(model, "supported_resolutions", base, "resolution"),
        "aspect_ratio": _choice(model, "supported_aspect_ratios", base, "aspect_ratio"),
        "frame_images": _frames(frames),
    }
    sizes = _sizes(model)
    properties["size"] = {"enum": [size for size, _ in sizes]} if sizes else _absent(base.get("size"))
    if not model.audio:
        properties["generate_audio"] = _absent(base.get("generate_audio"))
    if not model.seed:
        properties["seed"] = _absent(base.get("seed"))
    # `model` is required beside the branches; a branch restating it would put this model's id into
    # every negative case built from it, so each model repeated the same wrong types.
    rules: Schema = {"properties": properties}
    if sizes:
        rules["dependentSchemas"] = {"size": {"oneOf": [implied for _, implied in sizes]}}
    if current_fields:
        kinds = sorted(reference_kinds(model, capability))
        properties["input_references"] = {"items": {"properties": {"type": {"enum": kinds}}}}
        _upscaling(model, capability, properties, base)
        if _prompt_required(model, capability):
            rules["required"] = ["prompt"]
        else:  # `model` is always there: the rule holds for every request naming this model
            rules.setdefault("dependentSchemas", {})["model"] = {"oneOf": _prompt_alternatives(bool(frames), base)}
    return rules


def _frames(allowed: list[Any] | None) -> Schema:
    """Frame types the model takes, each at most once (`requests._image_problems`)."""
    kinds = _unique(allowed or [])
    if not kinds:
        return {"maxItems": 0}
    frame = {"items": {"properties": {"frame_type": {"enum": kinds}}}}
    if len(kinds) == 1:
        return {**frame, "maxItems": 1}
    first, second = ({"contains": {"properties": {"frame_type": {"const": kind}}}} for kind in kinds[:2])
    pair = {"minItems": 2, "maxItems": 2, "allOf": [first, second]}
    return {**frame, "anyOf": [{"maxItems": 1}, pair]}


def _sizes(model: ModelSpec) -> list[tuple[str, Schema]]:
    """Each listed size the mock can read, with what it implies beside it: the resolution and
    aspect ratio it stands for, where the model lists them, or neither (`_size_problems`)."""
    resolutions = model.allowed("supported_resolutions") or []
    ratios = model.allowed("supported_aspect_ratios") or []
    sizes: list[tuple[str, Schema]] = []
    for size in _unique(model.allowed("supported_sizes") or []):
        width, _, height = str(size).partition("x")
        if not (width.isdigit() and height.isdigit() and int(width) and int(height)):
            continue  # refused whatever the row says: "is not WIDTHxHEIGHT"
        resolution, ratio = describe_size(int(width), int(height))
        implied: Schema = {
            "size": {"const": size},
            "resolution": {"const": resolution} if resolution in resolutions else {"not": {}},
            "aspect_ratio": {"const": ratio} if ratio in ratios else {"not": {}},
        }
        sizes.append((size, {"properties": implied}))
    return sizes


def _prompt_required(model: ModelSpec, capability: Any) -> bool:
    """`current_requests._check_prompt`'s first half."""
    required = capability.get("prompt_required")
    if required is None:
        frames = model.allowed("supported_frame_images") or []
        required = "first_frame" not in frames and not is_upscaler(model, capability)
    return bool(required)


def _prompt_alternatives(frames: bool, base: Schema) -> list[Schema]:
    """A prompt, or (without one) frames, else references, else a previous job: exclusive, so
    `oneOf`; together exactly `_check_prompt`'s "some input" for a model that may go without."""
    no_prompt = _absent(base.get("prompt"))
    empty = {"maxItems": 0}
    alternatives: list[Schema] = [{"required": ["prompt"]}]
    if frames:
        frames_only = {"prompt": no_prompt, "frame_images": {"minItems": 1}}
        alternatives.append({"properties": frames_only, "required": ["frame_images"]})
    references = {"prompt": no_prompt, "frame_images": empty, "input_references": {"minItems": 1}}
    alternatives.append({"properties": references, "required": ["input_references"]})
    previous = {"prompt": no_prompt, "frame_images": empty, "input_references": empty}
    alternatives.append({"properties": previous, "required": ["previous_job_id"]})
    return alternatives


def _upscaling(model: ModelSpec, capability: Any, properties: Schema, base: Schema) -> None:
    """`current_requests._check_upscaling`."""
    creativity, factor = model.row.get("creativity"), model.row.get("upscale_factor")
    upscaler = is_upscaler(model, capability)
    if upscaler and isinstance(creativity, list) and creativity:
        properties["creativity"] = {"enum": _unique(creativity)}
    else:
        properties["creativity"] = _absent(base.get("creativity"))
    if not (upscaler and isinstance(factor, dict)):
        properties["upscale_factor"] = _absent(base.get("upscale_factor"))
        return
    bounds: Schema = {}
    if factor.get("min") is not None:
        bounds["minimum"] = factor["min"]
    if factor.get("max") is not None:
        bounds["maximum"] = factor["max"]
    properties["upscale_factor"] = bounds


def _keep_valid_examples(spec: Schema) -> None:
    """Request examples naming a model this catalog lacks (or asking it for something it refuses)
    would be sent as valid data and refused: only those valid against the narrowed schema stay."""
    media = spec["paths"]["/videos"]["post"]["requestBody"]["content"]["application/json"]
    examples = media.get("examples")
    if not isinstance(examples, dict):
        return
    schema = {"$ref": "#/components/schemas/VideoGenerationRequest", "components": spec["components"]}
    validator = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
    kept = {name: example for name, example in examples.items() if validator.is_valid(example.get("value"))}
    if kept:
        media["examples"] = kept
    else:
        del media["examples"]
