"""What the `modelgates_mock` and `modelgates_server` fixtures hand to a test.

Both are a mock on a virtual clock with a fresh API key, handles to drive it (`advance`,
`force`, `set_scenario`), what it recorded (`journal`, `exchanges()`, `sent`, `jobs()`) and the
journal assertions (`contracts.pytest_plugin.journal`). `ModelGatesMock` runs in-process behind httpx
transports; `ModelGatesServer` is a live loopback server, shared by the session and reset per test.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, Protocol

import httpx

from mockserver import (
    OPERATOR,
    AsyncASGITransport,
    Controller,
    Job,
    JobStatus,
    MockConfig,
    MockServer,
    SyncASGITransport,
    VirtualClock,
    create_app,
    mock_controller,
)
from mockserver.domain.clock import PacedClock
from mockserver.domain.journal import Entry
from mockserver.domain.versions import default_version_name

from .journal import JournalAssertions, Timeline
from .money import MoneyAssertions
from .recording import Exchange, ExchangeRecorder
from .transports import AsyncRecordingTransport, RecordingTransport, SentRequest

__all__ = ["DEFAULT_SPEED", "LiveServers", "ModelGatesMock", "ModelGatesServer"]

IN_PROCESS_BASE_URL = "http://testserver/api/v1"
# The live server's mock seconds per real second: the `fast` scenario (3 mock s) completes in
# 0.3 s, `happy` (40 s - 2 min) in 4-12 s, and a shell app's `sleep 1` is a 10 s poll interval.
DEFAULT_SPEED = 10.0


class _Recorder(Protocol):
    def exchanges(self) -> list[Exchange]: ...


class _Handle(JournalAssertions, MoneyAssertions):
    """Shared by both fixtures: the mock's state, its clock, the key, and the records."""

    def __init__(
        self,
        *,
        control: Controller,
        clock: VirtualClock | PacedClock,
        recorder: ExchangeRecorder | None,
        api_key: str,
        base_url: str,
        inner: httpx.BaseTransport,
        async_inner: httpx.AsyncBaseTransport,
    ) -> None:
        self.control = control  # the same operator controls as /_mock/ and its dashboard
        self.clock = clock
        self.api_key = api_key
        self.base_url = base_url
        self._t0 = clock.now()
        self.transport = RecordingTransport(inner, api_url=base_url, clock=clock)
        self.async_transport = AsyncRecordingTransport(async_inner, log=self.transport.log)
        # In-process, the transports keep the mock's answers; a live mock's are recorded at the server.
        self._recorder: _Recorder = recorder or self.transport.log
        self._clients: list[httpx.Client] = []

    # -- for the app under test ----------------------------------------------------------------

    @property
    def headers(self) -> dict[str, str]:
        """`{"Authorization": "Bearer <key>"}`, for apps that build their own requests."""
        return {"Authorization": f"Bearer {self.api_key}"}

    @property
    def client(self) -> httpx.Client:
        """An `httpx.Client` on the mock (base URL set, no key: the app sends its own)."""
        if not self._clients:
            self._clients.append(httpx.Client(transport=self.transport, base_url=self.base_url))
        return self._clients[0]

    def async_client(self) -> httpx.AsyncClient:
        """A new `httpx.AsyncClient` on the mock (use it with `async with`)."""
        return httpx.AsyncClient(transport=self.async_transport, base_url=self.base_url)

    # -- handles ------------------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Move the mock's virtual clock (jobs that came due move on); pass it to the app as its `sleep`.

        A negative, NaN or infinite sleep is the app's bug: a `ValueError` to the app, as
        `time.sleep(-1)` would raise, not an error filed against the mock."""
        if not (isinstance(seconds, int | float) and math.isfinite(seconds) and seconds >= 0):
            raise ValueError(f"sleep length must be a finite number of seconds >= 0, got {seconds!r}")
        try:
            self.control.advance_clock(OPERATOR, seconds)
        except Exception as exc:  # a bug in the mock, not in the app whose `sleep` this is: kept for the test
            self.control.errors.append(exc)

    async def asleep(self, seconds: float) -> None:
        """`advance` for async apps (`sleep=modelgates_mock.asleep`)."""
        self.advance(seconds)

    @property
    def now(self) -> float:
        """Virtual seconds since the test started."""
        return self.clock.now() - self._t0

    def force(self, job_id: str, status: str | JobStatus | None = None, error: str | None = None) -> Job:
        """Move a job on now: to its next status, or to `status` (never backwards)."""
        return self.control.advance_job(OPERATOR, job_id, status, error)

    def set_scenario(self, name: str | None) -> None:
        """Run this test's key's next jobs under scenario `name` (a built-in or a file path; None: the default)."""
        self.control.update_key(OPERATOR, self.api_key, scenario=name)

    def set_credits(self, amount: Decimal | str | float | None) -> None:
        """Give this test's key a balance in USD (None: unlimited); a submit it cannot cover is a 402."""
        credits = None if amount is None else Decimal(str(amount))
        self.control.update_key(OPERATOR, self.api_key, credits=credits)

    @property
    def balance(self) -> Decimal | None:
        """This test's key's balance in USD now (None: unlimited), refunds of jobs that ended
        unpolled included (the controls bring the key's jobs up to now first)."""
        return self.control.balance(self.api_key)

    def ledger_history(self) -> list[dict[str, Any]]:
        """This test's key's newest ledger entries (charges, refunds), oldest first."""
        history: list[dict[str, Any]] = self.control.key(OPERATOR, self.api_key)["history"]
        return history

    def disable_key(self, disabled: bool = True) -> None:
        """Revoke (or restore) this test's key: its requests answer 403 (2026-10) or 401 (2026-06)."""
        self.control.update_key(OPERATOR, self.api_key, disabled=disabled)

    def jobs(self) -> list[Job]:
        """Every job of this test, oldest first, as it stands at the current virtual time."""
        return self.control.jobs(OPERATOR, newest_first=False)

    # -- records ------------------------------------------------------------------------------

    @property
    def journal(self) -> list[Entry]:
        """The mock's own request journal (method, path, status, virtual time, job, operation)."""
        return self.control.journal_entries()

    def exchanges(self) -> list[Exchange]:
        """Every request the mock answered in this test, with bodies."""
        return self._recorder.exchanges()

    @property
    def sent(self) -> list[SentRequest]:
        """Every request the app sent through `transport`/`client`, to any host."""
        return self.transport.sent

    @property
    def timeline(self) -> Timeline:
        return Timeline(self._t0)

    # -- teardown -----------------------------------------------------------------------------

    def raise_errors(self) -> None:
        """Re-raise what failed inside the mock during the test (it answered 500 meanwhile)."""
        errors, self.control.errors[:] = list(self.control.errors), []
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise BaseExceptionGroup(f"{len(errors)} errors inside the modelgates mock", errors)

    def close(self) -> None:
        for client in self._clients:
            client.close()


class ModelGatesMock(_Handle):
    """An in-process mock (no socket) for one test."""

    def __init__(self, *, scenario: str, seed: int, api_key: str, api_version: str | None = None) -> None:
        clock = VirtualClock()
        # One render cache for the session's in-process mocks: the same job in two tests is one render.
        version = api_version or default_version_name()
        config = MockConfig(scenario=scenario, seed=seed, api_version=version, render_cache_shared=True)
        self.app = app = create_app(config, clock=clock)
        super().__init__(
            control=mock_controller(app),
            clock=clock,
            recorder=None,  # the transports record what the mock answers
            api_key=api_key,
            base_url=IN_PROCESS_BASE_URL,
            inner=SyncASGITransport(app),
            async_inner=AsyncASGITransport(app),
        )

    def close(self) -> None:
        super().close()
        self.transport.shutdown()


class ModelGatesServer(_Handle):
    """A test's view of the session's live loopback server (state reset for it).

    Its clock runs by itself at `speed` mock seconds per real second (so an app that sleeps for
    real sees jobs move; 0: only `advance` moves it), and `advance` jumps it further.
    """

    def __init__(self, live: _Live, *, scenario: str, api_key: str, speed: float = DEFAULT_SPEED) -> None:
        live.control.reset(OPERATOR)
        live.recorder.clear()
        live.clock.set_speed(speed)
        self.speed = speed
        self.url = live.server.url
        super().__init__(
            control=live.control,
            clock=live.clock,
            recorder=live.recorder,
            api_key=api_key,
            base_url=live.server.base_url,
            inner=httpx.HTTPTransport(),
            async_inner=httpx.AsyncHTTPTransport(),
        )
        self.set_scenario(scenario)

    def close(self) -> None:
        super().close()
        self.transport.shutdown()


class _Live:
    def __init__(self, seed: int, version: str) -> None:
        self.clock = PacedClock(speed=DEFAULT_SPEED)
        app = create_app(MockConfig(seed=seed, api_version=version), clock=self.clock)
        self.control = mock_controller(app)
        self.recorder = ExchangeRecorder(app, self.clock)
        recorder: Any = self.recorder  # MockServer serves any ASGI app
        self.server = MockServer(app=recorder).start()


class LiveServers:
    """The session's live servers, one per seed and API version, started on first use and stopped at the end."""

    def __init__(self) -> None:
        self._servers: dict[tuple[int, str], _Live] = {}

    def get(self, seed: int, version: str | None = None) -> _Live:
        key = (seed, version or default_version_name())
        if key not in self._servers:
            self._servers[key] = _Live(*key)
        return self._servers[key]

    def stop(self) -> None:
        for live in self._servers.values():
            live.server.stop()
        self._servers.clear()
