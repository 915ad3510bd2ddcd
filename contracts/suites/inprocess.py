"""The server suite in-process: a mock on a virtual clock, its schema, and the stateful workflow.

```
suite = in_process_suite(seed=7)

@suite.schema.parametrize()
def test_api(case):
    suite.call_and_validate(case)

TestWorkflow = workflow(suite).TestCase
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mockserver import (
    OPERATOR,
    Controller,
    JobStatus,
    MockConfig,
    VirtualClock,
    create_app,
    mock_controller,
    new_api_key,
)

from .checks import ModelGatesReachability
from .deviations import excluded_checks
from .schema import load_schema
from .settings import DEFAULT_SEED, PHASES, SuiteSettings

__all__ = ["InProcessSuite", "in_process_suite", "pinned_job_schema", "workflow"]

# A completed sample job for the pinned suite (schema-valid and supported by the catalog).
_SAMPLE_REQUEST = {"model": "google/veo-3.1-lite", "prompt": "a glass greenhouse at sunrise", "duration": 4}


@dataclass
class InProcessSuite:
    clock: VirtualClock
    app: Any
    settings: SuiteSettings
    schema: Any
    reach: ModelGatesReachability = field(default_factory=ModelGatesReachability)

    @property
    def control(self) -> Controller:
        return mock_controller(self.app)

    def observe(self, case: Any, response: Any) -> None:
        """Count a response toward "every operation answered 2xx at least once"."""
        self.reach.after_response(None, response, case)

    def call_and_validate(self, case: Any) -> Any:
        """Send `case` and run every check (but those a known deviation excuses).

        The key is passed explicitly although the config sends it too: `ignored_auth` counts only
        explicit headers as "the configured key" and takes config headers for generated ones.
        """
        response = case.call_and_validate(headers=self.settings.auth_headers, excluded_checks=excluded_checks(case))
        self.observe(case, response)
        return response


def in_process_suite(
    *,
    seed: int = DEFAULT_SEED,
    scenario: str = "happy",
    max_examples: int = 25,
    stateful_steps: int = 8,
    phases: tuple[str, ...] | None = None,
) -> InProcessSuite:
    """A fresh mock (`scenario`, `seed`) on a virtual clock and the document bound to it."""
    clock = VirtualClock()
    app = create_app(MockConfig(scenario=scenario, seed=seed), clock=clock)
    settings = SuiteSettings(
        api_key=new_api_key(seed),
        seed=seed,
        max_examples=max_examples,
        stateful_steps=stateful_steps,
        phases=phases if phases is not None else PHASES,
    )
    return InProcessSuite(clock=clock, app=app, settings=settings, schema=load_schema(settings, app=app))


def pinned_job_schema(suite: InProcessSuite) -> Any:
    """The job operations with `jobId` pinned to a completed job of the suite's key.

    Stateless fuzzing otherwise only ever sees 404s there: this reaches the 200/206/416 answers
    (generated `index` and `Range` values against a real video) without the state machine.
    """
    control = suite.control
    job = control.submit(suite.settings.api_key, dict(_SAMPLE_REQUEST))
    control.advance_job(OPERATOR, job.id, JobStatus.COMPLETED)
    settings = SuiteSettings(
        api_key=suite.settings.api_key,
        seed=suite.settings.seed,
        max_examples=suite.settings.max_examples,
        phases=("examples", "coverage", "fuzzing"),
        parameters={"path.jobId": job.id},
    )
    schema = load_schema(settings, app=suite.app)
    # `exclude`, not `include`: with per-operation config sections, Schemathesis adds its own
    # include filter that matches everything, and includes are OR-ed (4.32.5).
    return schema.exclude(func=lambda ctx: "{jobId}" not in ctx.operation.path)


def workflow(suite: InProcessSuite, *, seconds_per_step: float = 30.0) -> Any:
    """The document's links as a state machine; virtual time moves `seconds_per_step` per call.

    A happy job lasts 40-120 s, so within a few steps polls see it complete and the content link
    downloads a real MP4. The explicit `Authorization` header is passed to validation too, or
    `ignored_auth` takes the configured key for a generated one.
    """
    headers = suite.settings.auth_headers
    base: Any = suite.schema.as_state_machine()

    class Workflow(base):  # type: ignore[misc]
        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            suite.observe(case, response)
            suite.clock.advance(seconds_per_step)

        def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
            case.validate_response(
                response,
                additional_checks=additional_checks,
                excluded_checks=excluded_checks(case),
                headers=headers,
                transport_kwargs=kwargs or None,
                recorder=getattr(self, "recorder", None),
            )

    return Workflow
