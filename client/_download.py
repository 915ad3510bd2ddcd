"""One download across its attempts: where the bytes go, where to resume, whether it is whole.

Shared by both clients, which only send and read. A download to a path is written next to it as
`<name>.part` and renamed only once complete, so a broken download never leaves a truncated
file under the real name. Each attempt's body is checked against what the server promised
(`Content-Length`, or the total of `Content-Range`); a body that breaks or ends short is resumed
with `Range: bytes=N-` and `If-Range: <etag>` (a changed video answers 200 and starts over), at
most `MAX_RESUMES` times. Without an ETag a broken download starts over from the first byte: a
range of a video that may have changed would splice two videos into one file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, TypeAlias

import httpx

from client.errors import APIResponseValidationError

__all__ = ["MAX_RESUMES", "PROGRESS_STEP", "Destination", "Download", "IncompleteBody", "ProgressCallback"]

# Progress is reported at least every this many bytes, however the transport cuts the body.
PROGRESS_STEP = 64 * 1024
# How many times a broken body is resumed (or started over) before the download fails.
MAX_RESUMES = 3
Destination: TypeAlias = str | os.PathLike[str] | IO[bytes]
# on_progress(bytes_so_far, total_bytes_or_None)
ProgressCallback: TypeAlias = Callable[[int, int | None], None]

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


class IncompleteBody(Exception):
    """An answer whose body ended before the length it promised, without a transport error."""


class Download:
    """The bytes of one output so far, in a file; `with` removes the `.part` file unless finished.

    Per attempt: `headers()` to send, `begin(response)` once the answer is in, `write(chunk)` per
    chunk, `end()` when the body is over (raises `IncompleteBody` if it was short); `resumable()`
    after a broken attempt, `finish()` after a whole one.
    """

    def __init__(self, to: Destination, on_progress: ProgressCallback | None, *, resumes: int = MAX_RESUMES) -> None:
        self.written = 0
        self.total: int | None = None
        self.etag: str | None = None
        self.resumes_left = resumes
        self._on_progress = on_progress
        self._target: Path | None = None
        if isinstance(to, str | os.PathLike):
            self._target = Path(to)
            self._partial = self._target.with_name(self._target.name + ".part")
            self._file: IO[bytes] = self._partial.open("wb")
            self._start = 0
        else:
            self._file = to  # the caller's file: written from where it stands, left open
            self._start = to.tell() if to.seekable() else 0
        self._finished = False

    def __enter__(self) -> Download:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._target is not None:
            self._file.close()
            if not self._finished:
                self._partial.unlink(missing_ok=True)

    def headers(self) -> dict[str, str]:
        """What the next attempt adds to its request: a range from the first missing byte, if any."""
        if self.written and self.etag is not None:
            return {"Range": f"bytes={self.written}-", "If-Range": self.etag}
        return {}

    def begin(self, response: httpx.Response) -> None:
        """Take the answer of an attempt: the rest of the video (206) or all of it (200)."""
        etag = response.headers.get("etag")
        if response.status_code == 206:
            start, total = _content_range(response)
            if start != self.written or (self.total is not None and total != self.total) or etag != self.etag:
                raise APIResponseValidationError(
                    f"asked for bytes {self.written}- of {self.etag}, got {response.headers.get('content-range')!r}"
                    f" of {etag}",
                    response=response,
                )
            self.total = total
            return
        if self.written:
            self._start_over(response)
        self.etag, self.total = etag, _content_length(response)

    def write(self, chunk: bytes) -> None:
        view = memoryview(chunk)
        for start in range(0, len(view), PROGRESS_STEP):
            piece = view[start : start + PROGRESS_STEP]
            self._file.write(piece)
            self.written += len(piece)
            if self._on_progress is not None:
                self._on_progress(self.written, self.total)

    def end(self) -> None:
        """The attempt's body is over: short of the promised length is a broken body."""
        if self.total is not None and self.written != self.total:
            raise IncompleteBody(f"the body ended after {self.written} of {self.total} bytes")

    def resumable(self) -> bool:
        """Whether a broken attempt may be followed by another (one resume spent if so)."""
        if self.resumes_left <= 0:
            return False
        self.resumes_left -= 1
        return True

    def finish(self) -> int:
        """Rename the whole file into place; the byte count."""
        if self._target is not None:
            self._file.close()
            self._partial.replace(self._target)
        self._finished = True
        return self.written

    def _start_over(self, response: httpx.Response) -> None:
        if not self._file.seekable():
            raise APIResponseValidationError(
                "the download starts over and the destination cannot be rewound", response=response
            )
        self._file.seek(self._start)
        self._file.truncate()
        self.written = 0


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length")
    return int(value) if value is not None and value.isdigit() else None


def _content_range(response: httpx.Response) -> tuple[int, int]:
    match = _CONTENT_RANGE.fullmatch(response.headers.get("content-range", "").strip())
    if match is None:
        raise APIResponseValidationError(
            f"a 206 without a usable Content-Range: {response.headers.get('content-range')!r}", response=response
        )
    return int(match[1]), int(match[3])
