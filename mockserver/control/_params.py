"""Inputs of the control API, checked: every bad value is a 400 envelope naming it, never a 500."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request

from mockserver.control._inputs import MAX_CLOCK_STEP
from mockserver.domain.errors import ApiError
from mockserver.wire.body import decode_json, read_body

__all__ = ["credits", "fields", "flag", "given", "integer", "json_object", "number", "seconds", "text"]

_MAX_BODY = 64 * 1024
_TRUE, _FALSE = ("1", "true", "yes"), ("0", "false", "no", "")
# control.yaml's pattern for a credits string: 0 to 10^12, digits and one optional point, nothing else.
_CREDITS = re.compile(r"0*([0-9]{1,12}(\.[0-9]+)?|1000000000000(\.0+)?)")
_MAX_CREDITS = Decimal(10) ** 12


async def json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object; an empty body is `{}` (curl users need not send one)."""
    body = await read_body(request.stream(), _MAX_BODY, request.headers.get("content-length"))
    if not body.strip():
        return {}
    # The vendor routes' strict parser; an overflowing number is left to the field's own check, which names it.
    value = decode_json(body, overflow_ok=True)
    if not isinstance(value, dict):
        raise ApiError.invalid("body", "The body must be a JSON object")
    return value


def fields(body: Mapping[str, Any], types: Mapping[str, type | tuple[type, ...]]) -> dict[str, Any]:
    """`body` when every field is known and of its type (bool is never a number here)."""
    unknown = sorted(set(body) - set(types))
    if unknown:
        raise ApiError.invalid(unknown[0], f"unknown field {unknown[0]!r}", allowed=sorted(types))
    for name, value in body.items():
        if not isinstance(value, types[name]):
            raise ApiError.invalid(name, f"{name} has the wrong type")
    return dict(body)


def _one(query: QueryParams, name: str) -> str | None:
    values = query.getlist(name)
    if len(values) > 1:
        raise ApiError.invalid(name, f"{name} given more than once")
    return values[0] if values else None


def text(query: QueryParams, name: str) -> str | None:
    """A free-text filter; empty is the same as absent."""
    return _one(query, name) or None


def given(query: QueryParams, name: str) -> str | None:
    """The value as sent, empty included: for a typed parameter, `name=` is a bad value, not an absent one."""
    return _one(query, name)


def integer(query: QueryParams, name: str, *, default: int, low: int, high: int) -> int:
    raw = _one(query, name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 16) or not low <= int(raw) <= high:
        raise ApiError.invalid(name, f"{name} must be an integer from {low} to {high}", value=raw[:40])
    return int(raw)


def number(query: QueryParams, name: str, *, high: float) -> float:
    """A finite number from 0 to `high` (a query parameter)."""
    raw = _one(query, name) or ""
    try:
        value = float(raw) if len(raw) <= 32 else math.nan
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 <= value <= high):
        raise ApiError.invalid(name, f"{name} must be a number from 0 to {high:g}", value=raw[:40])
    return value


def flag(query: QueryParams, name: str) -> bool:
    raw = (_one(query, name) or "").lower()
    if raw not in _TRUE + _FALSE:
        raise ApiError.invalid(name, f"{name} must be true or false")
    return raw in _TRUE


def seconds(body: Mapping[str, Any]) -> float:
    fields(body, {"seconds": (int, float)})
    value = body.get("seconds")
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 < value <= MAX_CLOCK_STEP
    ):
        raise ApiError.invalid("seconds", f"seconds must be a number above 0 and at most {MAX_CLOCK_STEP:.0f}")
    return float(value)


def credits(value: Any) -> Decimal | None:
    """A balance in USD: a decimal string or a number, finite and not negative; null = unlimited."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ApiError.invalid("credits", "credits must be a decimal string, a number or null")
    if isinstance(value, str) and not _CREDITS.fullmatch(value):
        raise ApiError.invalid("credits", "credits must be a decimal string of digits from 0 to 10^12")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0 or amount > _MAX_CREDITS:
        raise ApiError.invalid("credits", "credits must be a finite amount from 0 to 10^12")
    return amount
