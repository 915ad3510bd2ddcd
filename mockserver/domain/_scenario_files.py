"""Reading one scenario file: TOML tables checked field by field, every problem reported at once.

A bad file fails loudly (`ScenarioError`), naming the file, the step and the field.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mockserver.domain._scenario_schema import Problems, Table, show
from mockserver.domain._scenario_types import Answers, Scenario, ScenarioError
from mockserver.domain.body_faults import parse_body_faults
from mockserver.domain.faults import MAX_LATENCY, OPERATIONS, Fault, Statuses, WebhookFaults
from mockserver.domain.jobs import DEFAULT_ERRORS, JobStatus
from mockserver.domain.timelines import Step
from mockserver.domain.versions import api_version, default_version_name

__all__ = ["load_scenario", "parse_scenario"]

_STATUSES = {status.value: status for status in JobStatus}


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
    table = Table(raw, where, (*fields, "after_commit", "drop", "after", "image_download_failed"), problems)
    before = len(problems)
    on = table.choice("on", OPERATIONS)
    image = table.flag("image_download_failed")
    status = table.whole("status", 400 if image else None)
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
    if after_commit and status is not None and status < 500 and not image:
        problems.add(table.at("status"), "after a commit the answer is a 5xx, a drop or a latency, not a 4xx")
    if image:
        _image_fault_problems(table, on, status)
    if len(problems) > before or on is None:
        return None
    return Fault(on, status, times, every, probability, retry_after, message, latency, after_commit, drop, after, image)


def _image_fault_problems(table: Table, on: str | None, status: int | None) -> None:
    """An image the provider cannot fetch refuses the submit (400) before a job exists."""
    where = table.at("image_download_failed")
    if on is not None and on != "submit":
        table.problems.add(where, f"only a submit carries images, not {on}")
    if status != 400:
        table.problems.add(table.at("status"), f"image_download_failed answers 400, not {status}")
    for key in ("after_commit", "drop"):
        if table.data.get(key) is True:
            table.problems.add(table.at(key), "image_download_failed refuses the submit before any job exists")


def _webhook(raw: object, problems: Problems) -> WebhookFaults:
    table = Table(raw, "webhook", ("delay", "early", "duplicate", "out_of_order", "hold"), problems)
    faults = WebhookFaults(
        delay=table.real("delay", 0.0, minimum=0),
        early=table.real("early", 0.0, minimum=0),
        duplicate=table.whole("duplicate", 0, minimum=0, maximum=10),
        out_of_order=table.flag("out_of_order"),
        hold=table.real("hold", 300.0, minimum=0),
    )
    if faults.early and faults.delay:
        problems.add("webhook.early", "a webhook is either early or late (delay), not both")
    return faults


def _early_problem(steps: tuple[Step, ...]) -> tuple[str, str] | None:
    """An early webhook is sent before the job's terminal time, which must be known at submit."""
    for index, step in enumerate(steps[:-1]):
        if step.seconds is None or step.polls is not None:
            return "webhook.early", f"needs steps that end by seconds alone, and steps[{index}] counts polls"
    return None


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
    if not problems and scenario.webhook.early and (problem := _early_problem(scenario.steps)):
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
