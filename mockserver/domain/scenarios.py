"""Scenarios are data: TOML files of lifecycle steps and HTTP faults, validated on load.

A scenario says how a job's status moves (each step lasts some seconds, a random range drawn
per job from the seed, or some number of polls) and which requests fail on purpose (a 429 on
the first submit, a 500 on every third poll, a 502 on the first download). Built-ins live in
`fixtures/scenarios/`; `load_scenario(path)` reads a user's file. A bad file fails loudly,
naming the file and the step.
"""

from __future__ import annotations

import hashlib
import random
import struct
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from mockserver._resources import scenarios_dir
from mockserver.domain._scenario_schema import Problems, Table, show
from mockserver.domain.body_faults import BodyFault, parse_body_faults
from mockserver.domain.jobs import DEFAULT_ERRORS, JobStatus, Phase
from mockserver.domain.versions import VERSIONS, api_version, default_version_name

__all__ = [
    "Answers",
    "Fault",
    "Operation",
    "Scenario",
    "ScenarioError",
    "ScenarioFiles",
    "Step",
    "WebhookFaults",
    "builtin_scenarios",
    "load_scenario",
    "resolve_scenario",
]

Operation = Literal["submit", "poll", "content", "models"]

# A fault may only produce a status the running version documents for that operation
# (`ApiVersion.fault_statuses`); the built-in files may use any version's (the union).
Statuses = Mapping[str, frozenset[int]]
DOCUMENTED_STATUSES: dict[str, frozenset[int]] = {
    operation: frozenset().union(*(version.fault_statuses[operation] for version in VERSIONS.values()))
    for operation in ("submit", "poll", "content", "models")
}
MAX_LATENCY = 600.0  # real seconds a fault may hold an answer back
_OPERATIONS: dict[str, Operation] = {"submit": "submit", "poll": "poll", "content": "content", "models": "models"}
_STATUSES = {status.value: status for status in JobStatus}


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
        return Phase(self.status, seconds, self.polls, self.error, self.outputs, self.expires)


@dataclass(frozen=True, slots=True)
class Fault:
    """A request that fails on purpose: the first `times`, every `every`-th, or at random.

    Counted per API key for submit and models, per job for poll and content; the first `after`
    requests are spared (a key revoked mid-job: `after = 2, every = 1`). `latency` holds
    the answer back that many real seconds; `after_commit` (submit) creates and charges the job
    first; `drop` closes the connection instead of answering. `status` None: the normal answer.
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
    - `duplicate`: extra copies sent right after the first success (same body and key).
    - `out_of_order`: a due delivery waits for the key's next delivery (at most `hold` s),
      then both go out newest first.
    """

    delay: float = 0.0
    duplicate: int = 0
    out_of_order: bool = False
    hold: float = 300.0


@dataclass(frozen=True, slots=True)
class Answers:
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
        faults = {on: tuple(fault for fault in self.faults if fault.on == on) for on in _OPERATIONS}
        object.__setattr__(self, "_faults", faults)

    def timeline(self, seed: int, job_id: str) -> tuple[Phase, ...]:
        """The concrete phases of one job: the same seed and job id give the same timeline."""
        if not self.ranged:
            return self._fixed
        words = iter(_words(f"{seed}:{job_id}".encode(), self.ranged))
        return tuple([step.drawn(next(words)) if step.fixed is None else step.fixed for step in self.steps])

    def faults_for(self, operation: Operation) -> tuple[Fault, ...]:
        return self._faults[operation]


def _words(key: bytes, count: int) -> tuple[int, ...]:
    """`count` uniform 64-bit words from BLAKE2b of `key` (8 per 64-byte block).

    One hash per job instead of seeding a `random.Random` with a string (SHA-512 and a
    Mersenne Twister state: ~5 µs of every submit). Block n is salted with n (0: no salt).
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


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the file and the step."""


# --- reading a file: every problem is reported at once, each with its path ---------------------


def _step(raw: object, where: str, problems: Problems) -> Step | None:
    table = Table(raw, where, ("status", "seconds", "polls", "error", "outputs", "expires"), problems)
    before = len(problems)
    status = table.choice("status", _STATUSES)
    seconds = _seconds(table)
    polls = table.whole("polls", minimum=0)
    error = table.text("error")
    outputs = table.whole("outputs", 1, minimum=0, maximum=8)  # 0: completed with no outputs
    expires = table.real("expires", None, minimum=0) if "expires" in table.data else None
    if expires is not None and status is not None and status is not JobStatus.COMPLETED:
        problems.add(table.at("expires"), f"only completed outputs expire, not {status}")
    if error is not None and status is not None and status not in DEFAULT_ERRORS:
        problems.add(table.at("error"), f"error text only fits failed, cancelled or expired, not {status}")
    if len(problems) > before or status is None:
        return None
    return Step(status, seconds, polls, error, outputs, expires)


def _seconds(table: Table) -> float | tuple[float, float] | None:
    """A number of seconds, or a [min, max] range drawn per job."""
    value, where = table.data.get("seconds"), table.at("seconds")
    if not isinstance(value, list):
        return None if value is None else table.number(where, value, minimum=0)
    if len(value) != 2:
        table.problems.add(where, f"a range must be [min, max], not {show(value)}")
        return None
    low, high = (table.number(f"{where}.{index}", item, minimum=0) for index, item in enumerate(value))
    if low is None or high is None:
        return None
    if low > high:
        table.problems.add(where, f"a range must be [min, max] with min <= max, not {show(value)}")
        return None
    return (low, high)


def _fault(raw: object, where: str, problems: Problems, statuses: Statuses) -> Fault | None:
    fields = ("on", "status", "times", "every", "probability", "retry_after", "message", "latency")
    table = Table(raw, where, (*fields, "after_commit", "drop", "after"), problems)
    before = len(problems)
    on = table.choice("on", _OPERATIONS)
    status = table.whole("status")
    times, every = table.whole("times", minimum=1), table.whole("every", minimum=1)
    probability = table.real("probability", above=0, maximum=1)
    retry_after, message = table.whole("retry_after", minimum=0), table.text("message")
    latency = table.real("latency", None, above=0, maximum=MAX_LATENCY) if "latency" in table.data else None
    after_commit, drop, after = table.flag("after_commit"), table.flag("drop"), table.whole("after", 0, minimum=0)
    if sum(key in table.data for key in ("times", "every", "probability")) != 1:
        problems.add(where, "a fault needs exactly one of times, every or probability")
    if status is None and "status" not in table.data and latency is None and not drop:
        problems.add(table.at("status"), "required (an HTTP status the operation documents), unless latency or drop")
    elif status is not None and on is not None and status not in statuses[on]:
        allowed = ", ".join(str(code) for code in sorted(statuses[on]))
        problems.add(table.at("status"), f"{on} does not answer {status} (documented: {allowed})")
    if after_commit and on is not None and on != "submit":
        problems.add(table.at("after_commit"), "only a submit commits (creates and charges a job)")
    if after_commit and status is not None and status < 500:
        problems.add(table.at("status"), "after a commit the answer is a 5xx, a drop or a latency, not a 4xx")
    if len(problems) > before or on is None:
        return None
    return Fault(on, status, times, every, probability, retry_after, message, latency, after_commit, drop, after)


def _webhook(raw: object, problems: Problems) -> WebhookFaults:
    table = Table(raw, "webhook", ("delay", "duplicate", "out_of_order", "hold"), problems)
    return WebhookFaults(
        delay=table.real("delay", 0.0, minimum=0),
        duplicate=table.whole("duplicate", 0, minimum=0, maximum=10),
        out_of_order=table.flag("out_of_order"),
        hold=table.real("hold", 300.0, minimum=0),
    )


def _lifecycle_problem(steps: tuple[Step, ...]) -> tuple[str, str] | None:
    """The first way the steps cannot happen, as (where, what); None if they can."""
    if steps[0].status is not JobStatus.PENDING:
        return "steps[0]", "a job starts pending (the submit answers pending)"
    for index, (step, after) in enumerate(zip(steps, steps[1:], strict=False)):
        if after.status.rank <= step.status.rank:
            return f"steps[{index + 1}]", f"{step.status} cannot move to {after.status}"
        if step.seconds is None and step.polls is None:
            return f"steps[{index}]", f"{step.status} needs seconds or polls to end"
    if not steps[-1].status.terminal:
        return f"steps[{len(steps) - 1}]", "the last step must be terminal"
    return None


def _statuses(statuses: Statuses | None) -> Statuses:
    return statuses if statuses is not None else api_version(default_version_name()).fault_statuses


def parse_scenario(name: str, data: Mapping[str, Any], statuses: Statuses | None = None) -> Scenario:
    """A scenario from a parsed file; ScenarioError lists every problem (without the file name).

    `statuses`: what faults may answer per operation (default: the default API version's)."""
    problems = Problems()
    allowed = _statuses(statuses)
    flags = ("refund", "relative_polling_url", "byok", "extra_fields")
    fields = ("name", "description", "steps", "faults", "webhook", "download_faults", *flags)
    table = Table(dict(data), "", fields, problems)
    raw_steps, raw_faults = table.array("steps"), table.array("faults") or []
    if "steps" not in table.data:
        problems.add("steps", "required: at least 2 [[steps]] tables, pending first and terminal last")
    elif raw_steps is not None and len(raw_steps) < 2:
        problems.add("steps", f"a scenario needs at least 2 steps, got {len(raw_steps)}")
    steps = [_step(raw, f"steps.{index}", problems) for index, raw in enumerate(raw_steps or [])]
    faults = [_fault(raw, f"faults.{index}", problems, allowed) for index, raw in enumerate(raw_faults)]
    scenario = Scenario(
        name=table.text("name", name) or name,
        description=table.text("description", "") or "",
        steps=tuple(step for step in steps if step is not None),
        faults=tuple(fault for fault in faults if fault is not None),
        webhook=_webhook(table.data.get("webhook", {}), problems),
        download_faults=parse_body_faults(table.data.get("download_faults"), problems),
        refund=table.flag("refund", True),
        answers=Answers(table.flag("relative_polling_url"), table.flag("byok"), table.flag("extra_fields")),
    )
    if not problems and (problem := _lifecycle_problem(scenario.steps)):
        problems.add(*problem)
    if problems:
        raise ScenarioError("; ".join(problems.found))
    return scenario


def load_scenario(path: Path, statuses: Statuses | None = None) -> Scenario:
    """Read and validate one scenario file; its name is the file's stem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return parse_scenario(path.stem, data, statuses)
    except (OSError, tomllib.TOMLDecodeError, ScenarioError) as exc:
        raise ScenarioError(f"{path}: {exc}") from exc


@lru_cache(maxsize=256)
def _load_unchanged(path: Path, mtime_ns: int, size: int) -> Scenario:
    """Each file is parsed once per version (scenarios are frozen, so sharing them is safe)."""
    return load_scenario(path, DOCUMENTED_STATUSES)


def builtin_scenarios(directory: Path | None = None) -> dict[str, Scenario]:
    """Every `*.toml` of the folder by stem; a fresh dict each call, files parsed once per change."""
    folder = directory or scenarios_dir()
    found = {}
    for path in sorted(folder.glob("*.toml")):
        try:
            stat = path.stat()
        except OSError:  # gone since the glob: load_scenario names the file and the error
            found[path.stem] = load_scenario(path, DOCUMENTED_STATUSES)
            continue
        found[path.stem] = _load_unchanged(path, stat.st_mtime_ns, stat.st_size)
    return found


def resolve_scenario(name_or_path: str, known: Mapping[str, Scenario], statuses: Statuses | None = None) -> Scenario:
    """A built-in by name, or a file by path (`--scenario ./my-flow.toml`)."""
    if name_or_path in known:
        return known[name_or_path]
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.is_file():
        return load_scenario(path, statuses)
    raise ScenarioError(
        f"unknown scenario {name_or_path!r}; built-ins: {', '.join(sorted(known))} (or give the path of a .toml file)"
    )


class ScenarioFiles:
    """Scenario files given by path, watched: a changed file is read again (by mtime and size).

    Jobs keep the timeline they were given at submit; only the next submits see the new file. A
    file that became invalid keeps its last good version until fixed (`reload` says why)."""

    def __init__(self) -> None:
        self._versions: dict[str, tuple[int, int]] = {}

    def watch(self, name_or_path: str) -> None:
        path = Path(name_or_path)
        if path.suffix == ".toml" and name_or_path not in self._versions:
            self._versions[name_or_path] = _version(path)

    def __contains__(self, name: object) -> bool:
        return name in self._versions

    def changed(self, name: str) -> Scenario | None:
        """The file's new version if it changed since last read, else None; raises ScenarioError if invalid."""
        version = _version(Path(name))
        if version == self._versions.get(name):
            return None
        scenario = load_scenario(Path(name))
        self._versions[name] = version
        return scenario

    def names(self) -> list[str]:
        return sorted(self._versions)


def _version(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1)
    return stat.st_mtime_ns, stat.st_size
