"""Requests that fail on purpose and webhooks that misbehave: a scenario's `[[faults]]` and `[webhook]`.

A fault may only produce a status the running version documents for that operation
(`ApiVersion.fault_statuses`); the built-in files may use any version's (the union).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from mockserver.domain.versions import VERSIONS

__all__ = ["DOCUMENTED_STATUSES", "MAX_LATENCY", "OPERATIONS", "Fault", "Operation", "Statuses", "WebhookFaults"]

Operation = Literal["submit", "poll", "content", "models"]

Statuses = Mapping[str, frozenset[int]]
DOCUMENTED_STATUSES: dict[str, frozenset[int]] = {
    operation: frozenset().union(*(version.fault_statuses[operation] for version in VERSIONS.values()))
    for operation in ("submit", "poll", "content", "models")
}
MAX_LATENCY = 600.0  # real seconds a fault may hold an answer back
OPERATIONS: dict[str, Operation] = {"submit": "submit", "poll": "poll", "content": "content", "models": "models"}


@dataclass(frozen=True, slots=True)
class Fault:
    """A request that fails on purpose: the first `times`, every `every`-th, or at random.

    Counted per API key for submit and models, per job for poll and content; the first `after`
    requests are spared (a key revoked mid-job: `after = 2, every = 1`). `latency` holds
    the answer back that many real seconds; `after_commit` (submit) creates and charges the job
    first; `drop` closes the connection instead of answering. `status` None: the normal answer.
    `image_download_failed` (submit, 400): the provider could not fetch the request's first
    `https:` image; only submits carrying one are counted and hit, the others pass.
    """

    on: Operation
    status: int | None
    times: int | None = None
    every: int | None = None
    probability: float | None = None
    retry_after: int | None = None
    message: str | None = None
    latency: float | None = None
    after_commit: bool = False
    drop: bool = False
    after: int = 0
    image_download_failed: bool = False

    def hits(self, count: int, key: str, seed: int) -> bool:
        """Whether the `count`-th request (1-based) of this kind fails."""
        if count <= self.after:
            return False
        count -= self.after
        if self.times is not None:
            return count <= self.times
        if self.every is not None:
            return count % self.every == 0
        assert self.probability is not None
        return random.Random(f"{seed}:{key}:{self.on}:{count}").random() < self.probability


@dataclass(frozen=True, slots=True)
class WebhookFaults:
    """How webhook deliveries misbehave (the `[webhook]` table); all off by default.

    - `delay`: seconds between the terminal status and the first attempt (a late delivery).
    - `early`: the terminal status's webhook goes out that many seconds before polls show it
      (polls still answer the status before; the job's timeline is fixed at submit).
    - `duplicate`: extra copies sent right after the first success (same body and key).
    - `out_of_order`: a due delivery waits for the key's next delivery (at most `hold` s),
      then both go out newest first.
    """

    delay: float = 0.0
    early: float = 0.0
    duplicate: int = 0
    out_of_order: bool = False
    hold: float = 300.0
