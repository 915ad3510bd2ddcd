"""Submit bodies: the document's schema, then the model's catalog row.

Each step raises `ApiError(400)` naming the parameter (`metadata.param`) and, for catalog
rules, the allowed values in the catalog's own order, so that an app developer sees at once
what to change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import scheme_chars

import jsonschema_rs

from mockserver.domain.catalog import Catalog, ModelSpec, describe_size, size_for
from mockserver.domain.errors import ApiError
from mockserver.domain.pricing import Variant

__all__ = [
    "RequestValidator",
    "VideoSpec",
    "check_capabilities",
    "param_name",
    "url_scheme",
]

# What `urllib.parse.urlsplit` drops before it reads a scheme: leading C0 controls and spaces,
# then every tab, carriage return and line feed.
# A named tuple built without its generated `__new__` (see jobs.py): every submit builds two.
_new: Any = tuple.__new__

_LEADING = "".join(chr(code) for code in range(0x21))
_REMOVED = str.maketrans("", "", "\t\r\n")


def url_scheme(url: str) -> str:
    """The scheme `urlsplit(url).scheme` reads, lowercased ("" for none), without parsing the rest:
    `urlsplit` raises on a malformed host (`https://[x`), which made such an image URL a 500."""
    url = url.lstrip(_LEADING).translate(_REMOVED)
    head, colon, _ = url.partition(":")
    if colon and head and head[0].isascii() and head[0].isalpha() and all(c in scheme_chars for c in head):
        return head.lower()
    return ""


def param_name(path: Iterable[str | int]) -> str:
    """`["frame_images", 0, "type"]` → `frame_images[0].type`."""
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


class RequestValidator:
    """Checks a parsed body against the document's `VideoGenerationRequest` schema."""

    def __init__(self, validator: jsonschema_rs.Draft202012Validator) -> None:
        self._validator = validator

    def check(self, body: Any) -> dict[str, Any]:
        """`body`, if it is a valid request (jobs keep it as JSON text, not this dict); else 400."""
        if self._validator.is_valid(body):  # the fast path; errors are collected only for a bad body
            valid: dict[str, Any] = body
            return valid
        errors = [self._describe(error) for error in self._validator.iter_errors(body)]
        first = errors[0]
        raise ApiError(
            400,
            f"Invalid request parameters: {first['param']}: {first['message']}",
            metadata={"error_type": "invalid_request", "param": first["param"], "errors": errors},
        )

    @staticmethod
    def _describe(error: jsonschema_rs.ValidationError) -> dict[str, str]:
        path: list[str | int] = list(error.instance_path)
        kind = error.kind
        if isinstance(kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties):
            path.append(str(kind.unexpected[0]))
            return {"param": param_name(path), "message": "unknown field"}
        if isinstance(kind, jsonschema_rs.ValidationErrorKind.Required):
            path.append(str(kind.property))
            return {"param": param_name(path), "message": "required field is missing"}
        return {"param": param_name(path), "message": error.message}


class VideoSpec(NamedTuple):
    """A request resolved against its model: what the job will be and what it costs."""

    model: ModelSpec
    variant: Variant
    aspect_ratio: str
    callback_url: str | None


_Problem = tuple[str, str, Any, Any]  # param, message, value, allowed


def _choice(model: ModelSpec, key: str, value: Any, param: str) -> list[_Problem]:
    allowed = model.allowed(key)
    if value is None or (allowed is not None and value in allowed):
        return []
    label = ", ".join(str(option) for option in allowed) if allowed else "none"
    message = f"{param} {value} is not supported by {model.id}; allowed: {label}"
    return [(param, message, value, allowed or [])]


def _flag(model: ModelSpec, body: dict[str, Any], param: str, supported: bool) -> list[_Problem]:
    if param in body and not supported:
        return [(param, f"{param} is not supported by {model.id}; omit it", body[param], [])]
    return []


def _image_problems(body: dict[str, Any], model: ModelSpec) -> list[_Problem]:
    problems: list[_Problem] = []
    seen: set[str] = set()
    for index, frame in enumerate(body.get("frame_images", [])):
        kind = frame["frame_type"]
        if kind in seen:
            problems.append((f"frame_images[{index}].frame_type", f"duplicate {kind}", kind, []))
        seen.add(kind)
        problems += _choice(model, "supported_frame_images", kind, f"frame_images[{index}].frame_type")
    for field in ("frame_images", "input_references"):
        for index, part in enumerate(body.get(field, [])):
            if "image_url" not in part:  # 2026-10's audio and video references: `current_requests`
                continue
            url = part["image_url"]["url"]
            if url_scheme(url) not in ("https", "data"):
                param = f"{field}[{index}].image_url.url"
                problems.append((param, "image URLs must be https: or data:", url, ["https", "data"]))
    return problems


def _size_problems(body: dict[str, Any], model: ModelSpec) -> tuple[list[_Problem], tuple[int, int] | None]:
    size = body.get("size")
    if size is None:
        return [], None
    width, _, height = size.partition("x")
    if not (width.isdigit() and height.isdigit() and int(width) > 0 and int(height) > 0):
        return [("size", f"size {size!r} is not WIDTHxHEIGHT, e.g. 1280x720", size, [])], None
    problems = _choice(model, "supported_sizes", size, "size")
    resolution, ratio = describe_size(int(width), int(height))
    for param, derived in (("resolution", resolution), ("aspect_ratio", ratio)):
        if param in body and body[param] != derived:
            message = f"{param} {body[param]} contradicts size {size} ({derived})"
            problems.append((param, message, body[param], [derived]))
    return problems, (int(width), int(height))


def _default(model: ModelSpec, key: str, preferred: Any) -> Any:
    allowed = model.allowed(key) or []
    return preferred if preferred in allowed or not allowed else allowed[0]


def check_capabilities(body: dict[str, Any], catalog: Catalog) -> VideoSpec:
    """Resolve a schema-valid body against its model's catalog row, or raise 400 listing all problems."""
    model = catalog.get(body["model"])
    if model is None and body["model"] in catalog.removed:  # the vendor's own answer, word for word
        raise ApiError(400, f"Model {body['model']} does not exist")
    if model is None:
        allowed = catalog.ids
        message = f"model {body['model']!r} does not exist; allowed: {', '.join(allowed)}"
        raise ApiError.invalid("model", message, value=body["model"], allowed=allowed)
    rules: _Rules | None = model.derived.get("rules")
    if rules is None:
        rules = model.derived["rules"] = _read_rules(model)
    # The common body, inline: each choice allowed and no field that needs a closer look.
    get = body.get
    for name, known in rules.choices:
        value = get(name)
        if value is not None and (known is None or value not in known):
            return _resolve(body, rules, _check_closely(body, model))
    if not rules.closer_look.isdisjoint(body):
        return _resolve(body, rules, _check_closely(body, model))
    resolution = get("resolution") or rules.resolution
    ratio = get("aspect_ratio") or rules.aspect_ratio
    width, height = _size_for(resolution, ratio)
    # `_resolve` without a size: no frame images or references (a closer look), so text to video.
    audio = get("generate_audio", rules.audio)
    variant = _new(Variant, (get("duration", rules.duration), resolution, width, height, audio, False))
    spec: VideoSpec = _new(VideoSpec, (model, variant, ratio, get("callback_url")))
    return spec


@dataclass(frozen=True, slots=True)
class _Rules:
    """A model's catalog rules read once, for the common body that needs no closer look."""

    model: ModelSpec
    choices: tuple[tuple[str, tuple[Any, ...] | None], ...]  # (field, allowed values or None)
    closer_look: frozenset[str]  # fields whose mere presence sends a body to `_check_closely`
    duration: Any  # defaults, as `_resolve` fills them in
    resolution: str
    aspect_ratio: str
    audio: bool  # the model's default for `generate_audio`


def _read_rules(model: ModelSpec) -> _Rules:
    def allowed(key: str) -> tuple[Any, ...] | None:
        values = model.allowed(key)
        return None if values is None else tuple(values)

    closer_look = {"size", "frame_images", "input_references"}
    closer_look |= set() if model.audio else {"generate_audio"}
    closer_look |= set() if model.seed else {"seed"}
    return _Rules(
        model=model,
        choices=(
            ("duration", allowed("supported_durations")),
            ("resolution", allowed("supported_resolutions")),
            ("aspect_ratio", allowed("supported_aspect_ratios")),
        ),
        closer_look=frozenset(closer_look),
        duration=(model.allowed("supported_durations") or [5])[0],
        resolution=_default(model, "supported_resolutions", "720p"),
        aspect_ratio=_default(model, "supported_aspect_ratios", "16:9"),
        audio=model.audio,
    )


def _check_closely(body: dict[str, Any], model: ModelSpec) -> tuple[int, int] | None:
    """Every catalog rule, all problems at once (400); else the body's `size` parsed, if any."""
    problems = _choice(model, "supported_durations", body.get("duration"), "duration")
    problems += _choice(model, "supported_resolutions", body.get("resolution"), "resolution")
    problems += _choice(model, "supported_aspect_ratios", body.get("aspect_ratio"), "aspect_ratio")
    size_problems, size = _size_problems(body, model)
    problems += size_problems + _image_problems(body, model)
    problems += _flag(model, body, "generate_audio", model.audio)
    problems += _flag(model, body, "seed", model.seed)
    if problems:
        _raise(problems)
    return size


def _raise(problems: list[_Problem]) -> None:
    param, message, value, allowed = problems[0]
    errors = [{"param": p, "message": m, "value": v, "allowed": a} for p, m, v, a in problems]
    raise ApiError.invalid(param, message, value=value, allowed=allowed, errors=errors)


def _resolve(body: dict[str, Any], rules: _Rules, size: tuple[int, int] | None) -> VideoSpec:
    if size is not None:
        resolution, ratio = describe_size(*size)
        resolution, ratio = resolution or "720p", ratio or "16:9"
    else:
        resolution = body.get("resolution") or rules.resolution
        ratio = body.get("aspect_ratio") or rules.aspect_ratio
        size = _size_for(resolution, ratio)
    get = body.get
    image_to_video = bool(get("frame_images") or get("input_references"))
    audio = get("generate_audio", rules.audio)
    variant = _new(Variant, (get("duration", rules.duration), resolution, size[0], size[1], audio, image_to_video))
    spec: VideoSpec = _new(VideoSpec, (rules.model, variant, ratio, get("callback_url")))
    return spec


# A handful of (resolution, aspect ratio) pairs exist; the arithmetic is the same every time.
_size_for = lru_cache(maxsize=256)(size_for)
