"""API keys: the vendor's shape, one tenant per key."""

from __future__ import annotations

import random
import re

__all__ = ["KEY_PREFIX", "is_valid_key", "new_api_key"]

KEY_PREFIX = "sk-mg-v1-"
_KEY_RE = re.compile(r"sk-mg-v1-[0-9a-f]{64}")


def is_valid_key(key: str) -> bool:
    return _KEY_RE.fullmatch(key) is not None


def new_api_key(seed: object | None = None) -> str:
    """A valid key; the same seed always gives the same key (handy in docs and fixtures)."""
    rng = random.Random(str(seed)) if seed is not None else random.SystemRandom()
    return KEY_PREFIX + "".join(rng.choice("0123456789abcdef") for _ in range(64))
