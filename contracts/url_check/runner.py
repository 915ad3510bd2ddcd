"""The server suite against a live base URL, driven through Schemathesis's engine.

Runs every phase (examples, coverage, fuzzing, stateful over the document's links), every
built-in check and the custom ones (`contracts.suites.checks`), then the bounded lifecycle probe
(`contracts.suites.lifecycle`), and checks that every operation answered 2xx at least once.
No network beyond `settings.base_url`.
"""

from __future__ import annotations

from typing import Any

from ..suites.checks import ModelGatesReachability
from ..suites.deviations import known_deviation
from ..suites.lifecycle import Lifecycle
from ..suites.schema import load_schema
from ..suites.settings import SuiteSettings
from .violations import RunResult, Violation, redact

__all__ = ["run_contract"]


def run_contract(settings: SuiteSettings, *, wait: float = 180.0, poll_interval: float = 5.0) -> RunResult:
    """Run the whole suite against `settings.base_url`; never raises for what the server does."""
    from schemathesis.engine import events, from_schema

    assert settings.base_url is not None, "run_contract needs settings.base_url"
    result = RunResult(base_url=settings.base_url)
    reach = ModelGatesReachability()
    lifecycle = Lifecycle(settings, reach=reach, wait=wait, poll_interval=poll_interval)
    lifecycle.submit(result)
    schema = load_schema(settings)
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            _collect(event.recorder, settings.api_key, result, reach)
        elif isinstance(event, events.NonFatalError):
            result.add(_error_violation(event.label, event.info.title, str(event.info), settings.api_key))
        elif isinstance(event, events.FatalError):
            result.add(_error_violation("(run)", "Fatal error", repr(event.exception), settings.api_key))
        elif isinstance(event, events.EngineFinished):
            for failure in event.failures:
                result.add(Violation("(run)", "after_run", failure.title, failure.message))
    lifecycle.finish(result)
    for missing in reach.unreached():
        operation = missing.split(" (", 1)[0]
        result.add(Violation(operation=operation, check="reachability", title="never answered 2xx", message=missing))
    result.statuses = reach.statuses
    return result


def _collect(recorder: Any, api_key: str, result: RunResult, reach: ModelGatesReachability) -> None:
    for case_id, interaction in recorder.interactions.items():
        node = recorder.cases.get(case_id)
        if interaction.response is not None and node is not None:
            result.requests += 1
            reach.record(node.value.operation.label, interaction.response.status_code)
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.failure_info is None:
                continue
            failure = check.failure_info.failure
            failed_id = failure.case_id or case_id
            node = recorder.cases.get(failed_id) or recorder.cases.get(case_id)
            interaction = recorder.interactions.get(failed_id) or recorder.interactions.get(case_id)
            response = interaction.response if interaction is not None else None
            violation = Violation(
                operation=failure.operation or (node.value.operation.label if node else recorder.label),
                check=check.name,
                title=failure.title,
                message=redact(failure.message, api_key),
                status=response.status_code if response is not None else None,
                code=failure.code,
                curl=redact(check.failure_info.code_sample, api_key),
            )
            deviation = known_deviation(node.value, check.name) if node is not None else None
            if deviation is not None:
                result.excuse(violation, deviation.reason)
            else:
                result.add(violation)


def _error_violation(label: str, title: str, message: str, api_key: str) -> Violation:
    return Violation(operation=label, check="error", title=title, message=redact(message, api_key))
