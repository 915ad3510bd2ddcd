"""Rendered videos kept in memory, least recently used first out, bounded by their bytes."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import NamedTuple

__all__ = ["DEFAULT_CACHE_BYTES", "ByteLRU", "Rendered"]

DEFAULT_CACHE_BYTES = 256 * 1024 * 1024


class Rendered(NamedTuple):
    """One video as the content route serves it: the bytes and their strong ETag."""

    data: bytes
    etag: str
    etag_bytes: bytes

    @classmethod
    def of(cls, data: bytes) -> Rendered:
        etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
        return cls(data, etag, etag.encode())


class ByteLRU:
    """Key -> Rendered, evicting the least recently used while the total exceeds `max_bytes`.

    A video larger than the whole bound is not kept. Not thread-safe: the event loop owns it.
    """

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[str, Rendered] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: str) -> bool:
        return key in self._items

    def get(self, key: str) -> Rendered | None:
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
        return item

    def put(self, key: str, item: Rendered) -> None:
        old = self._items.pop(key, None)
        if old is not None:
            self.bytes -= len(old.data)
        if len(item.data) > self.max_bytes:
            return
        self._items[key] = item
        self.bytes += len(item.data)
        while self.bytes > self.max_bytes:
            _, evicted = self._items.popitem(last=False)
            self.bytes -= len(evicted.data)

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0


_SHARED: list[ByteLRU] = []


def shared_cache(max_bytes: int = DEFAULT_CACHE_BYTES) -> ByteLRU:
    """The process-wide cache (its bound: the first caller's). Keys are content hashes, so every
    renderer may share it; the event loop that owns a renderer is the only one touching it."""
    if not _SHARED:
        _SHARED.append(ByteLRU(max_bytes))
    return _SHARED[0]
