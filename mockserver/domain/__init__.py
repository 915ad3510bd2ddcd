"""The domain: the mock's behaviour as plain Python, no HTTP.

Jobs and their lifecycle (`jobs`), scenarios (`scenarios`), the injectable clock (`clock`), the
catalog and its request rules (`catalog`, `requests`, `pricing`), the per-key job store
(`store`), credits (`ledger`), rate limits (`ratelimit`), the request journal (`journal`), API
keys (`keys`), the API's error type (`errors`) and the operations on them (`service`).

Rule: nothing here imports Starlette, uvicorn, httpx or another `mockserver` layer; time comes
from an injected `Clock`, and state changes leave through callbacks (persistence plugs in there).
"""

from mockserver.domain.clock import Clock, SystemClock, VirtualClock
from mockserver.domain.errors import ApiError
from mockserver.domain.jobs import Job, JobStatus, Transition
from mockserver.domain.scenarios import Scenario, ScenarioError
from mockserver.domain.service import MockService

__all__ = [
    "ApiError",
    "Clock",
    "Job",
    "JobStatus",
    "MockService",
    "Scenario",
    "ScenarioError",
    "SystemClock",
    "Transition",
    "VirtualClock",
]
