"""Where downloaded bytes go: a path or an open binary file, with progress reports.

Shared by both clients. A download to a path is written next to it as `<name>.part` and renamed
only once complete, so an interrupted download never leaves a truncated file under the real name.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TypeAlias

import httpx

__all__ = ["CHUNK_SIZE", "Destination", "ProgressCallback", "Sink", "open_sink"]

CHUNK_SIZE = 64 * 1024
Destination: TypeAlias = str | os.PathLike[str] | IO[bytes]
# on_progress(bytes_so_far, total_bytes_or_None)
ProgressCallback: TypeAlias = Callable[[int, int | None], None]


class Sink:
    """Writes chunks to a file and reports progress after each one."""

    def __init__(self, file: IO[bytes], total: int | None, on_progress: ProgressCallback | None):
        self.file = file
        self.total = total
        self.written = 0
        self._on_progress = on_progress

    def write(self, chunk: bytes) -> None:
        self.file.write(chunk)
        self.written += len(chunk)
        if self._on_progress is not None:
            self._on_progress(self.written, self.total)


@contextmanager
def open_sink(to: Destination, response: httpx.Response, on_progress: ProgressCallback | None) -> Iterator[Sink]:
    """A `Sink` for `to`; a file object given by the caller is left open."""
    total = _content_length(response)
    if not isinstance(to, str | os.PathLike):
        yield Sink(to, total, on_progress)
        return
    path = Path(to)
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("wb") as file:
            yield Sink(file, total, on_progress)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length")
    return int(value) if value is not None and value.isdigit() else None
