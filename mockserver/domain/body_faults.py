"""Downloads that break on the wire: the `[[download_faults]]` tables of a scenario.

A status fault (`[[faults]] on = "content"`) answers an error instead of the video. A download
fault lets the answer start (200 or 206, `Content-Length` promised) and then breaks its body, as
a provider's proxy does: the connection is closed or reset after some bytes, the body stalls for
some real seconds, trickles at a few bytes per second, or is cut and the next attempt meets a
502. Attempts are counted per output (job and index), so `times = 1` breaks the first download
of every output and lets the retry or the `Range` resume through.

```toml
[[download_faults]]
kind = "cut"      # cut | reset | stall | dribble | bad-gateway
after = 0.4       # a fraction of the body (a number below 1) or a whole number of bytes
times = 1         # or every = N, or probability = P
```
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from mockserver.domain._scenario_schema import Problems, Table

__all__ = ["GATEWAY_ERROR", "BodyFault", "BodyFaultKind", "parse_body_faults", "pick_body_fault"]

BodyFaultKind = Literal["cut", "reset", "stall", "dribble", "bad-gateway"]
_KINDS: dict[str, BodyFaultKind] = {
    "cut": "cut",
    "reset": "reset",
    "stall": "stall",
    "dribble": "dribble",
    "bad-gateway": "bad-gateway",
}
_FIELDS = ("kind", "after", "seconds", "rate", "times", "every", "probability")
# A stall longer than this is no stall but a hang; a client's read timeout is far below it.
MAX_STALL_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class BodyFault:
    """How one download attempt's body breaks (see the module text for the wire behaviour).

    `after` is where the body breaks (or where a stall or a dribble starts): bytes when a whole
    number, else a fraction of the body. `seconds` is a stall's length in real seconds, `rate`
    a dribble's bytes per second.
    """

    kind: BodyFaultKind
    after: int | float = 0
    seconds: float = 0.0
    rate: int = 0
    times: int | None = None
    every: int | None = None
    probability: float | None = None

    @property
    def answers_502(self) -> bool:
        """The attempt after a `bad-gateway` cut: a 502 envelope instead of the video."""
        return self is GATEWAY_ERROR

    def offset(self, size: int) -> int:
        """The byte of a `size`-byte body where the fault happens (always inside the body)."""
        at = int(self.after * size) if isinstance(self.after, float) else int(self.after)
        return max(0, min(at, size - 1)) if size else 0

    def hits(self, count: int, key: str, seed: int) -> bool:
        """Whether the `count`-th attempt (1-based) of the output named `key` meets this fault."""
        if count < 1:
            return False
        if self.times is not None:
            return count <= self.times
        if self.every is not None:
            return count % self.every == 0
        assert self.probability is not None
        return random.Random(f"{seed}:{key}:download:{self.kind}:{count}").random() < self.probability


# The attempt after a `bad-gateway` cut (see `pick_body_fault`).
GATEWAY_ERROR = BodyFault("bad-gateway", times=1)


def pick_body_fault(faults: tuple[BodyFault, ...], count: int, key: str, seed: int) -> BodyFault | None:
    """The fault the `count`-th attempt of output `key` meets, if any (the first that hits).

    A `bad-gateway` fault cuts the attempt it hits and answers 502 to the one after: that
    attempt gets the fault back (the route answers it with a 502 instead of a body).
    """
    for fault in faults:
        if fault.kind == "bad-gateway" and fault.hits(count - 1, key, seed):
            return GATEWAY_ERROR
        if fault.hits(count, key, seed):
            return fault
    return None


def parse_body_faults(raw: object, problems: Problems) -> tuple[BodyFault, ...]:
    """The `[[download_faults]]` array of a scenario file; every problem is added with its path."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.add("download_faults", "must be an array of tables ([[download_faults]])")
        return ()
    faults = (_body_fault(item, f"download_faults.{index}", problems) for index, item in enumerate(raw))
    return tuple(fault for fault in faults if fault is not None)


def _body_fault(raw: object, where: str, problems: Problems) -> BodyFault | None:
    table = Table(raw, where, _FIELDS, problems)
    before = len(problems)
    kind = table.choice("kind", _KINDS)
    after = _after(table)
    seconds = table.real("seconds", 0.0, above=0, maximum=MAX_STALL_SECONDS)
    rate = table.whole("rate", 0, minimum=1)
    times, every = table.whole("times", minimum=1), table.whole("every", minimum=1)
    probability = table.real("probability", above=0, maximum=1)
    if sum(key in table.data for key in ("times", "every", "probability")) != 1:
        problems.add(where, "a download fault needs exactly one of times, every or probability")
    if kind == "stall" and "seconds" not in table.data:
        problems.add(table.at("seconds"), "required for a stall (real seconds the body pauses)")
    if kind == "dribble" and "rate" not in table.data:
        problems.add(table.at("rate"), "required for a dribble (bytes per second)")
    for key, only in (("seconds", "stall"), ("rate", "dribble")):
        if key in table.data and kind is not None and kind != only:
            problems.add(table.at(key), f"only a {only} has {key}, not a {kind}")
    if len(problems) > before or kind is None:
        return None
    return BodyFault(kind, after, seconds, rate, times, every, probability)


def _after(table: Table) -> int | float:
    """Bytes (a whole number) or a fraction of the body (a number in [0, 1)); 0 by default."""
    value = table.data.get("after", 0)
    if isinstance(value, int) and not isinstance(value, bool):
        return table.whole("after", 0, minimum=0)
    fraction = table.real("after", 0.0, minimum=0)
    if fraction >= 1:
        table.problems.add(table.at("after"), f"a fraction of the body must be below 1, not {fraction:g}")
    return fraction
