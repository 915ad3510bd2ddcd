"""Job ids: seeded, reproducible streams of letters and digits, one stream per state-file epoch."""

from __future__ import annotations

import random
import string
from collections.abc import Container

__all__ = ["IdStream"]

_ALNUM = string.ascii_letters + string.digits
# Ids come from seeded random bytes mapped onto the 62 letters and digits in one C call: a byte
# below 248 (4 × 62) picks `_ALNUM[byte % 62]`, uniformly; the 8 bytes above are dropped.
_BYTE_TO_ALNUM = bytes(ord(_ALNUM[byte % len(_ALNUM)]) for byte in range(256))
_UNEVEN_BYTES = bytes(range(256 - 256 % len(_ALNUM), 256))
_ID_BLOCK = 1024


class IdStream:
    """The ids of one seed and epoch, in order; not thread-safe (the store holds its lock)."""

    def __init__(self, seed: int, epoch: int = 0) -> None:
        # Epoch 0 keeps the stream older mocks drew, so a fresh run's ids are what they were.
        self._rng = random.Random(f"ids:{seed}:{epoch}" if epoch else f"ids:{seed}")
        self._id_chars, self._id_start = b"", 0  # drawn id characters, and the next one to use

    def new_ids(self, taken: Container[str], length: int = 20) -> tuple[str, str]:
        """A fresh job id not in `taken` and a second id (the generation's), each `length`
        letters and digits; the same seed gives the same ids.

        Characters are drawn a kilobyte at a time and handed out in order (one `randbytes` call
        per ~25 jobs instead of one per job).
        """
        while True:
            chars, start = self._id_chars, self._id_start
            if start + 2 * length > len(chars):
                fresh = self._rng.randbytes(_ID_BLOCK).translate(_BYTE_TO_ALNUM, _UNEVEN_BYTES)
                chars, start = chars[start:] + fresh, 0
                self._id_chars = chars
            self._id_start = start + 2 * length
            job_id = chars[start : start + length].decode("ascii")
            if job_id not in taken:
                return job_id, chars[start + length : start + 2 * length].decode("ascii")
