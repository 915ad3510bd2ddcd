"""The control API keeps its own contract: Schemathesis, all checks, on `openapi/control.yaml`.

In-process, with the operator token and jobs present (each case re-seeds them if a fuzzed
`POST /_mock/reset` forgot them), so the job operations answer 200 and not only 404. The
stateful part follows the document's links (list → job → advance → video, key → update).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings

from mockserver import OPERATOR, MockConfig, VirtualClock, create_app, new_api_key
from mockserver._resources import control_document_path
from tests.mockserver.helpers import SEED_000_BODY

pytestmark = pytest.mark.slow  # Schemathesis: `-m "not slow"` skips it locally

TOKEN = "operator-token-for-the-contract"
KEY = new_api_key(7)
APP = create_app(MockConfig(admin_token=TOKEN, seed=7), clock=VirtualClock())
AUTH = {"Authorization": f"Bearer {TOKEN}"}

SCHEMA = schemathesis.openapi.from_dict(
    yaml.safe_load(control_document_path().read_text()),
    config=schemathesis.Config.from_dict({"seed": 15}),  # explicit: no schemathesis.toml is read
)
SCHEMA.app = APP
SCHEMA.config.update(headers=AUTH)
SCHEMA.config.generation.update(max_examples=30)


def _seed_jobs() -> None:
    if not APP.controller.jobs(OPERATOR, limit=1):
        for _ in range(3):
            APP.controller.submit(KEY, dict(SEED_000_BODY))


@pytest.fixture(autouse=True)
def _jobs_and_no_errors() -> Iterator[None]:
    _seed_jobs()
    yield
    errors = list(APP.controller.errors)
    APP.controller.errors.clear()
    if errors:
        raise errors[0]


@SCHEMA.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_control_api(case: Any) -> None:
    _seed_jobs()
    case.call_and_validate(headers=AUTH)


class _Workflow(SCHEMA.as_state_machine()):  # type: ignore[misc]
    def setup(self) -> None:
        _seed_jobs()

    def get_call_kwargs(self, case: Any) -> dict[str, Any]:
        _seed_jobs()
        return {"headers": AUTH}


TestControlWorkflow = _Workflow.TestCase
TestControlWorkflow.settings = settings(
    max_examples=30,
    stateful_step_count=6,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def test_the_documented_scenario_names_are_the_built_ins() -> None:
    # The PATCH body's enum is written out in control.yaml: it must follow fixtures/scenarios/.
    import yaml

    from mockserver import builtin_scenarios
    from mockserver._resources import control_document_path

    document = yaml.safe_load(control_document_path().read_text())
    body = document["paths"]["/_mock/keys/{key}"]["patch"]["requestBody"]["content"]["application/json"]
    enum = body["schema"]["properties"]["scenario"]["enum"]
    assert sorted(name for name in enum if name is not None) == sorted(builtin_scenarios())
    assert None in enum
