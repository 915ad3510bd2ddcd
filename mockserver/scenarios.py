"""Scenarios are data: TOML files of lifecycle steps and HTTP faults, validated on load.

A scenario says how a job's status moves (each step lasts some seconds, a random range drawn
per job from the seed, or some number of polls) and which requests fail on purpose (a 429 on
the first submit, a 500 on every third poll, a 502 on the first download). Built-ins live in
`fixtures/scenarios/`; `load_scenario(path)` reads a user's file. A bad file fails loudly,
naming the file and the step.
"""

from __future__ import annotations

import random
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .jobs import DEFAULT_ERRORS, JobStatus, Phase
from .resources import scenarios_dir

__all__ = [
    "Step", "Fault", "Scenario", "ScenarioError", "load_scenario", "builtin_scenarios",
    "resolve_scenario", "Operation", "WebhookFaults",
]

Operation = Literal["submit", "poll", "content", "models"]
Seconds = Annotated[float, Field(ge=0)]

# A fault may only produce a status the document lists for that operation.
DOCUMENTED_STATUSES: dict[str, frozenset[int]] = {
    "submit": frozenset({400, 402, 404, 429, 500}),
    "poll": frozenset({404, 500}),
    "content": frozenset({400, 404, 500, 502}),
    "models": frozenset({400, 500}),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Step(_Strict):
    """One status of the lifecycle. `seconds` is a number or a [min, max] range (seeded)."""

    status: JobStatus
    seconds: Seconds | tuple[Seconds, Seconds] | None = None
    polls: Annotated[int, Field(ge=0)] | None = None
    error: str | None = None
    outputs: Annotated[int, Field(ge=1, le=8)] = 1

    @model_validator(mode="after")
    def _check(self) -> Step:
        if isinstance(self.seconds, tuple) and self.seconds[0] > self.seconds[1]:
            raise ValueError("seconds range must be [min, max] with min <= max")
        if self.error is not None and self.status not in DEFAULT_ERRORS:
            raise ValueError(f"error text only fits failed, cancelled or expired, not {self.status}")
        return self

    def phase(self, rng: random.Random) -> Phase:
        seconds = self.seconds
        if isinstance(seconds, tuple):
            seconds = round(rng.uniform(*seconds), 3)
        return Phase(self.status, seconds, self.polls, self.error, self.outputs)


class Fault(_Strict):
    """A request that fails on purpose: the first `times`, every `every`-th, or at random.

    Counted per API key for submit and models, per job for poll and content.
    """

    on: Operation
    status: Literal[400, 402, 404, 429, 500, 502]
    times: Annotated[int, Field(ge=1)] | None = None
    every: Annotated[int, Field(ge=1)] | None = None
    probability: Annotated[float, Field(gt=0, le=1)] | None = None
    retry_after: Annotated[int, Field(ge=0)] | None = None
    message: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Fault:
        chosen = [x for x in (self.times, self.every, self.probability) if x is not None]
        if len(chosen) != 1:
            raise ValueError("a fault needs exactly one of times, every or probability")
        if self.status not in DOCUMENTED_STATUSES[self.on]:
            allowed = ", ".join(str(status) for status in sorted(DOCUMENTED_STATUSES[self.on]))
            raise ValueError(f"{self.on} does not answer {self.status} (documented: {allowed})")
        return self

    def hits(self, count: int, key: str, seed: int) -> bool:
        """Whether the `count`-th request (1-based) of this kind fails."""
        if self.times is not None:
            return count <= self.times
        if self.every is not None:
            return count % self.every == 0
        assert self.probability is not None
        return random.Random(f"{seed}:{key}:{self.on}:{count}").random() < self.probability


class WebhookFaults(_Strict):
    """How webhook deliveries misbehave (the `[webhook]` table); all off by default.

    - `delay`: seconds between the terminal status and the first attempt (a late delivery).
    - `duplicate`: extra copies sent right after the first success (same body and key).
    - `out_of_order`: a due delivery waits for the key's next delivery (at most `hold` s),
      then both go out newest first.
    """

    delay: Seconds = 0.0
    duplicate: Annotated[int, Field(ge=0, le=10)] = 0
    out_of_order: bool = False
    hold: Seconds = 300.0


class Scenario(_Strict):
    name: str
    description: str = ""
    steps: list[Step] = Field(min_length=2)
    faults: list[Fault] = []
    webhook: WebhookFaults = WebhookFaults()

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        if self.steps[0].status is not JobStatus.PENDING:
            raise ValueError("steps[0]: a job starts pending (the submit answers pending)")
        for index, (step, after) in enumerate(zip(self.steps, self.steps[1:], strict=False)):
            if after.status.rank <= step.status.rank:
                raise ValueError(f"steps[{index + 1}]: {step.status} cannot move to {after.status}")
            if step.seconds is None and step.polls is None:
                raise ValueError(f"steps[{index}]: {step.status} needs seconds or polls to end")
        if not self.steps[-1].status.terminal:
            raise ValueError(f"steps[{len(self.steps) - 1}]: the last step must be terminal")
        return self

    def timeline(self, seed: int, job_id: str) -> tuple[Phase, ...]:
        """The concrete phases of one job: the same seed and job id give the same timeline."""
        rng = random.Random(f"{seed}:{job_id}")
        return tuple(step.phase(rng) for step in self.steps)

    def faults_for(self, operation: Operation) -> list[Fault]:
        return [fault for fault in self.faults if fault.on == operation]


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the file and the step."""


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "scenario"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def load_scenario(path: Path) -> Scenario:
    """Read and validate one scenario file; its name is the file's stem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return Scenario.model_validate({"name": path.stem, **data})
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(f"{path}: {exc}") from exc
    except ValidationError as exc:
        raise ScenarioError(f"{path}: {_describe(exc)}") from exc


def builtin_scenarios(directory: Path | None = None) -> dict[str, Scenario]:
    folder = directory or scenarios_dir()
    return {path.stem: load_scenario(path) for path in sorted(folder.glob("*.toml"))}


def resolve_scenario(name_or_path: str, known: Mapping[str, Scenario]) -> Scenario:
    """A built-in by name, or a file by path (`--scenario ./my-flow.toml`)."""
    if name_or_path in known:
        return known[name_or_path]
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.is_file():
        return load_scenario(path)
    raise ScenarioError(
        f"unknown scenario {name_or_path!r}; built-ins: {', '.join(sorted(known))}"
        " (or give the path of a .toml file)"
    )
