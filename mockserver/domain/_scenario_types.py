"""A scenario as the domain uses it: its steps, faults and answer flags (frozen, shared by jobs).

`mockserver.domain.scenarios` is where callers import these from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from mockserver.domain.body_faults import BodyFault
from mockserver.domain.faults import OPERATIONS, Fault, Operation, WebhookFaults
from mockserver.domain.jobs import Phase
from mockserver.domain.timelines import Step, draw_timeline

__all__ = ["Answers", "Scenario", "ScenarioError"]


# A named tuple, not a frozen dataclass: a completed poll's memo key holds it, and a dataclass
# hashes through a Python-level `__hash__` on every poll.
class Answers(NamedTuple):
    """How job bodies look under the scenario (top-level flags); all off by default.

    - `relative_polling_url`: `/api/v1/videos/{id}` instead of an absolute URL.
    - `byok`: `usage` reads `{"cost": null, "is_byok": true}` (bring-your-own-key billing).
    - `extra_fields`: job bodies carry fields no document names (strict decoders break on them).
    """

    relative_polling_url: bool = False
    byok: bool = False
    extra_fields: bool = False

    @property
    def plain(self) -> bool:
        """All off: bodies as the document shows them."""
        return not (self.relative_polling_url or self.byok or self.extra_fields)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    steps: tuple[Step, ...]
    description: str = ""
    faults: tuple[Fault, ...] = ()
    webhook: WebhookFaults = WebhookFaults()
    download_faults: tuple[BodyFault, ...] = ()  # bodies that break on the wire (body_faults.py)
    refund: bool = True  # False: jobs that fail, are cancelled or expire keep their charge
    answers: Answers = Answers()
    # How many steps draw their seconds (each job then needs that many numbers).
    ranged: int = field(init=False, repr=False, compare=False)

    # The timeline of every job when no step draws.
    _fixed: tuple[Phase, ...] = field(init=False, repr=False, compare=False)
    # Faults by operation, looked up on every request.
    _faults: dict[str, tuple[Fault, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ranged", sum(step.fixed is None for step in self.steps))
        object.__setattr__(self, "_fixed", () if self.ranged else tuple(step.drawn(0) for step in self.steps))
        faults = {on: tuple(fault for fault in self.faults if fault.on == on) for on in OPERATIONS}
        object.__setattr__(self, "_faults", faults)

    def timeline(self, seed: int, job_id: str) -> tuple[Phase, ...]:
        """The concrete phases of one job: the same seed and job id give the same timeline."""
        if not self.ranged:
            return self._fixed
        return draw_timeline(self.steps, f"{seed}:{job_id}".encode(), self.ranged)

    def faults_for(self, operation: Operation) -> tuple[Fault, ...]:
        return self._faults[operation]


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the file and the step."""
