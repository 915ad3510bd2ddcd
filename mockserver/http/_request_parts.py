"""The parts of a vendor request the operations read: headers, the `index` query, the body.

Also `remember`, the bounded memo of what a client repeats on every request.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import TypeVar
from urllib.parse import parse_qsl

from starlette.types import Message, Receive, Scope

from mockserver.domain.errors import ApiError
from mockserver.wire.body import read_body, whole_body

__all__ = [
    "MEMO_SIZE",
    "Disconnected",
    "Headers",
    "header",
    "output_index",
    "remember",
    "request_body",
    "request_headers",
]

_INDEX = re.compile(r"[0-9]+")

Headers = dict[bytes, bytes]


class Disconnected(Exception):
    """The client went away before its body arrived: nobody is left to answer."""


def request_headers(scope: Scope) -> Headers:
    # The first of repeated headers wins, as with Starlette's `Headers.get`.
    return dict(reversed(list(scope["headers"])))


_K = TypeVar("_K")
_V = TypeVar("_V")


def remember(memo: dict[_K, _V], key: _K, value: _V) -> None:
    """`memo[key] = value`, starting the memo over once it holds `MEMO_SIZE` entries: what a
    client repeats on every request is remembered; a fuzzer's thousand values cannot grow it."""
    if len(memo) >= MEMO_SIZE:
        memo.clear()
    memo[key] = value


MEMO_SIZE = 1024


def header(headers: Headers, name: bytes) -> str | None:
    value = headers.get(name)
    return None if value is None else value.decode("latin-1")


async def request_body(receive: Receive, limit: int, declared: str | None) -> bytes:
    """The request body; a body in one message (nearly all) skips the streaming reader."""
    first = await receive()
    if first["type"] == "http.request" and not first.get("more_body", False):
        return whole_body(first.get("body", b""), limit, declared)
    return await read_body(_chunks(first, receive), limit, declared)


async def _chunks(message: Message, receive: Receive) -> AsyncIterator[bytes]:
    while True:
        if message["type"] == "http.disconnect":
            raise Disconnected
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return
        message = await receive()


def output_index(query: bytes) -> int:
    if not query:
        return 0
    common = _COMMON_INDEXES.get(query)
    if common is not None:  # `index=0`, as nearly every client sends it
        return common
    text = query.decode("latin-1")
    if "&" in text or "%" in text or "+" in text:
        pairs = parse_qsl(text, keep_blank_values=True)
    else:  # `index=0`, as every client sends it: what parse_qsl would give, for less
        name, _, value = text.partition("=")
        pairs = [(name, value)]
    values = [value for name, value in pairs if name == "index"]
    if not values:
        return 0
    if len(values) > 1 or not _INDEX.fullmatch(values[0]):
        raise ApiError.invalid("index", "index must be a non-negative integer", value=values)
    if len(values[0]) > _MAX_DIGITS:  # no job has that many outputs, and int() refuses past 4,300 digits
        raise ApiError(404, f"index has more than {_MAX_DIGITS} digits: no such output", metadata={"param": "index"})
    return int(values[0])


_MAX_DIGITS = 1000
_COMMON_INDEXES = {b"index=%d" % index: index for index in range(8)}
