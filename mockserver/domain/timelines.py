"""A job's timeline: the lifecycle steps of a scenario, each step's seconds drawn per job from the seed.

The same seed and job id always give the same phases (`Step.drawn` with `draw_words`).
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from typing import Any

from mockserver.domain.jobs import JobStatus, Phase

_new: Any = tuple.__new__  # a named tuple without its generated `__new__` (see jobs.py)

__all__ = ["Step", "draw_timeline", "draw_words"]


@dataclass(frozen=True, slots=True)
class Step:
    """One status of the lifecycle. `seconds` is a number or a [min, max] range (seeded)."""

    status: JobStatus
    seconds: float | tuple[float, float] | None = None
    polls: int | None = None
    error: str | None = None
    outputs: int = 1
    expires: float | None = None  # completed: seconds the outputs stay downloadable (None: forever)

    # Steps that draw nothing give every job the same (immutable) phase.
    fixed: Phase | None = field(init=False, repr=False, compare=False)
    # A range in whole milliseconds: its low end and how many values it holds.
    _low_ms: int = field(init=False, repr=False, compare=False)
    _choices: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fixed, low_ms, choices = None, 0, 1
        if isinstance(self.seconds, tuple):
            low_ms = round(self.seconds[0] * 1000)
            choices = round(self.seconds[1] * 1000) - low_ms + 1
        else:
            fixed = Phase(self.status, self.seconds, self.polls, self.error, self.outputs, self.expires)
        object.__setattr__(self, "fixed", fixed)
        object.__setattr__(self, "_low_ms", low_ms)
        object.__setattr__(self, "_choices", choices)

    def drawn(self, word: int) -> Phase:
        """The step for one job, its seconds a whole number of ms in the range, picked by a 64-bit
        `word` (integer arithmetic: `round(x, 3)` alone cost more than the rest of the draw)."""
        if self.fixed is not None:
            return self.fixed
        seconds = (self._low_ms + ((word >> 11) * self._choices >> 53)) / 1000
        phase: Phase = _new(Phase, (self.status, seconds, self.polls, self.error, self.outputs, self.expires))
        return phase


def draw_timeline(steps: tuple[Step, ...], key: bytes, ranged: int) -> tuple[Phase, ...]:
    """Each step `drawn` in order, the ranged ones from `draw_words(key, ranged)`: one frame for
    the whole timeline (a call per step and a list comprehension cost more than the drawing)."""
    if ranged <= 8:  # `draw_words`' common case, inline
        words = _FIRST_WORDS[ranged].unpack_from(hashlib.blake2b(key, digest_size=64).digest())
    else:
        words = draw_words(key, ranged)
    phases = []
    drawn = 0
    for step in steps:
        phase = step.fixed
        if phase is None:  # `Step.drawn`, spelled out
            seconds = (step._low_ms + ((words[drawn] >> 11) * step._choices >> 53)) / 1000
            phase = _new(Phase, (step.status, seconds, step.polls, step.error, step.outputs, step.expires))
            drawn += 1
        phases.append(phase)
    return tuple(phases)


def draw_words(key: bytes, count: int) -> tuple[int, ...]:
    """`count` uniform 64-bit words from BLAKE2b of `key` (8 per 64-byte block).

    One hash per job instead of seeding a `random.Random` with a string (SHA-512 and a
    Mersenne Twister state: a large part of every submit). Block n is salted with n (0: no salt).
    """
    digest = hashlib.blake2b(key, digest_size=64).digest()
    if count <= 8:  # every scenario we know of: one block, unpacked no further than needed
        return _FIRST_WORDS[count].unpack_from(digest)
    words = _WORDS.unpack(digest)
    for block in range(1, (count + 7) // 8):
        digest = hashlib.blake2b(key, digest_size=64, salt=block.to_bytes(16, "little")).digest()
        words += _WORDS.unpack(digest)
    return words[:count]


_WORDS = struct.Struct("<8Q")
_FIRST_WORDS = [struct.Struct(f"<{count}Q") for count in range(9)]
