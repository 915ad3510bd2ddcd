"""The mock against the document: Schemathesis in-process, every operation, both modes, all checks.

Three parts share one mock on a virtual clock:
- `test_api`: examples, coverage and fuzzing for each operation (ids are random: job operations
  mostly answer 404 here);
- `test_pinned_job`: the job operations against a completed job, so 200/206/416 are fuzzed too;
- `TestWorkflow`: the document's links (submit → poll → content) as a state machine.
Then every operation must have answered 2xx at least once, so an all-401 server cannot pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from contracts.suites.inprocess import in_process_suite, pinned_job_schema, workflow

pytestmark = pytest.mark.slow  # ~90 s of Schemathesis: `-m "not slow"` skips it locally

SUITE = in_process_suite(seed=4242, max_examples=50, stateful_steps=10)
PINNED = pinned_job_schema(SUITE)


@pytest.fixture(autouse=True)
def _no_errors_inside_the_mock() -> Iterator[None]:
    yield
    errors = list(SUITE.control.errors)
    SUITE.control.errors.clear()
    if errors:
        raise errors[0]


@SUITE.schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_api(case: Any) -> None:
    SUITE.call_and_validate(case)


@PINNED.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_pinned_job(case: Any) -> None:
    SUITE.call_and_validate(case)


TestWorkflow = workflow(SUITE).TestCase
TestWorkflow.settings = settings(
    max_examples=50,
    stateful_step_count=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def test_every_operation_answered_2xx() -> None:
    """Runs last in this module: the all-401 (or all-404) server trap."""
    if not any(SUITE.reach.statuses.values()):
        pytest.skip("the contract tests above did not run (deselected)")
    assert SUITE.reach.unreached() == []
