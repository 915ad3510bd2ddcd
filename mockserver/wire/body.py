"""Request bodies on the wire: read with a size limit, then decoded as strict JSON.

Both steps raise `ApiError(400)` naming the body (or the `Content-Type`) before any schema or
catalog rule looks at it (those are `mockserver.domain.requests`').
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Any

from mockserver.domain.errors import ApiError

__all__ = ["check_content_type", "decode_json", "parse_json", "read_body", "read_json", "whole_body"]


async def read_body(chunks: AsyncIterator[bytes], limit: int, declared: str | None = None) -> bytes:
    """The whole body, refused with 400 as soon as it (or its declared Content-Length) passes `limit`."""
    _check_declared(limit, declared)
    parts, total = [], 0
    async for chunk in chunks:
        total += len(chunk)
        if total > limit:
            raise _too_large(limit)
        parts.append(chunk)
    return b"".join(parts)


def whole_body(body: bytes, limit: int, declared: str | None = None) -> bytes:
    """`read_body` for a body that arrived in one piece (no async iteration)."""
    # `_check_declared` first, as `read_body` does it (its int() may raise on an odd digit like "²").
    if (declared is not None and declared.isdigit() and int(declared) > limit) or len(body) > limit:
        raise _too_large(limit)
    return body


def _check_declared(limit: int, declared: str | None) -> None:
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)


def _too_large(limit: int) -> ApiError:
    return ApiError.invalid("body", f"Request body is larger than {limit} bytes")


def check_content_type(content_type: str | None) -> None:
    """400 unless the body is declared JSON. Checked before the body is read: a header settles it."""
    if content_type != "application/json":  # what nearly every client sends, as it is
        media_type = (content_type or "").split(";")[0].strip().lower()
        if media_type != "application/json":
            raise ApiError.invalid(
                "Content-Type",
                f"Content-Type must be application/json, not {content_type or 'missing'}",
            )


def parse_json(body: bytes, content_type: str | None) -> tuple[Any, str]:
    """The body's value and the text it was read from; 400 unless it is JSON sent as JSON."""
    check_content_type(content_type)
    return _decode(body, overflow_ok=False)


def decode_json(body: bytes, *, overflow_ok: bool = False) -> Any:
    """Strict JSON (RFC 8259): no NaN/Infinity, no lone surrogates, no nesting past the parser's stack; 400 otherwise.

    Numbers that overflow to infinity are refused too, unless `overflow_ok` (the caller then checks
    each field itself and names it).
    """
    return _decode(body, overflow_ok=overflow_ok)[0]


def _decode(body: bytes, *, overflow_ok: bool) -> tuple[Any, str]:
    try:
        # `detect_encoding` says UTF-8 for "{" and a non-NUL. Strict, unlike `json.loads`'s
        # "surrogatepass": raw surrogate bytes are no text, and a job that kept them broke every listing.
        plain = body[:1] == b"{" and body[1:2] != b"\x00"
        text = body.decode("utf-8" if plain else json.detect_encoding(body))
        decoder, scan = _LENIENT if overflow_ok else _STRICT
        # `decode` skips whitespace around a value and scans it: an object with nothing around
        # it (what clients send) is that one scan. Anything else, or a value missing inside
        # (StopIteration), is `decode`'s to word.
        end = -1
        if plain:
            try:
                value, end = scan(text, 0)
            except StopIteration:
                end = -1
        if end != len(text):
            value = decoder.decode(text)
        if b"\\" in body and _SURROGATE_ESCAPE.search(body):  # a lone "\ud800" parses: refuse it here
            json.dumps(value, ensure_ascii=False).encode()
        return value, text
    except (UnicodeError, json.JSONDecodeError, ValueError) as exc:
        raise ApiError.invalid("body", f"Malformed JSON body: {exc}") from None
    except RecursionError:  # thousands of nested brackets: the parser's stack, not ours to grow
        raise ApiError.invalid("body", "Malformed JSON body: nested too deeply") from None


# `parse_json` of a body whose Content-Type was checked already (a partial: no frame of its own).
read_json: Callable[[bytes], tuple[Any, str]] = partial(_decode, overflow_ok=False)

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):  # 1e999 overflows to Infinity: refused like the constant itself
        raise ValueError(f"{text[:20]} is out of range")
    return number


def _no_constant(name: str) -> Any:
    # NaN and Infinity are not JSON (RFC 8259), and echoing one back would break the error's own JSON.
    raise ValueError(f"{name} is not a JSON value")


def _with_scanner(decoder: json.JSONDecoder) -> tuple[json.JSONDecoder, Callable[[str, int], tuple[Any, int]]]:
    scan: Callable[[str, int], tuple[Any, int]] = decoder.scan_once  # type: ignore[attr-defined]
    return decoder, scan


# Built once: `json.loads` with options builds a new decoder on every call.
_STRICT = _with_scanner(json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite))
_LENIENT = _with_scanner(json.JSONDecoder(parse_constant=_no_constant))
