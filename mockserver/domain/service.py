"""The mock's operations on plain data: submit, poll, download, force. No HTTP here.

Routes parse a request, call one method, and render what comes back; the pytest plugin and the
control API call the same methods, so every way of driving the mock behaves the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from mockserver.domain._faults import fail, fault_error, inject_faults
from mockserver.domain._throttle import throttle
from mockserver.domain.body_faults import BodyFault, pick_body_fault
from mockserver.domain.catalog import Catalog
from mockserver.domain.clock import Clock
from mockserver.domain.current_requests import check_current_request
from mockserver.domain.errors import ERROR_TYPES, ApiError
from mockserver.domain.jobs import Job, JobStatus, Transition, advance, counted, force, request_text
from mockserver.domain.ledger import InsufficientCredits, Ledger
from mockserver.domain.pricing import price_job
from mockserver.domain.ratelimit import RateLimiter
from mockserver.domain.requests import RequestValidator, check_capabilities
from mockserver.domain.scenarios import (
    Answers,
    Fault,
    Operation,
    Scenario,
    ScenarioError,
    ScenarioFiles,
    resolve_scenario,
)
from mockserver.domain.store import JobStore, WriteFailed
from mockserver.domain.versions import VERSIONS, ApiVersion

__all__ = ["MockService", "SubmitCheck", "TransitionListener"]

TransitionListener = Callable[[Job, Transition], None]
# Extra checks on a validated request before anything is charged or created (raise ApiError).
SubmitCheck = Callable[[dict[str, Any]], None]


class MockService:
    def __init__(
        self,
        *,
        clock: Clock,
        catalog: Catalog,
        scenarios: dict[str, Scenario],
        default_scenario: str,
        store: JobStore,
        validator: RequestValidator,
        seed: int = 0,
        ledger: Ledger | None = None,
        limiter: RateLimiter | None = None,
        max_concurrent_jobs: int | None = None,
        speed: float = 1.0,
        version: ApiVersion = VERSIONS["2026-06"],
    ) -> None:
        self.clock = clock
        self.version = version  # every rule that differs between API versions is read from it
        self.catalog = catalog
        self.scenarios = dict(scenarios)
        self._builtin = frozenset(scenarios)  # names every key may see (files loaded later are not)
        self.store = store
        self.seed = seed
        self.ledger = ledger or Ledger()
        self.limiter = limiter or RateLimiter()
        self.max_concurrent_jobs = max_concurrent_jobs
        self.speed = speed  # real Retry-After seconds = mock seconds / speed
        self._validator = validator
        self._listeners: list[TransitionListener] = []
        self.submit_checks: list[SubmitCheck] = []
        self.files = ScenarioFiles()  # scenarios given by path, read again when they change
        self.default_scenario = self.add_scenario(default_scenario)

    def on_transition(self, listener: TransitionListener) -> None:
        """Call `listener(job, transition)` after every status change from now on."""
        self._listeners.append(listener)

    @property
    def listener_count(self) -> int:
        return len(self._listeners)

    def add_scenario(self, name_or_path: str) -> str:
        """Make a built-in or a scenario file usable by name; returns the name to use."""
        if name_or_path not in self.scenarios:
            found = resolve_scenario(name_or_path, self.scenarios, self.version.fault_statuses)
            self.scenarios[name_or_path] = found
            self.files.watch(name_or_path)
        return name_or_path

    def reload_scenarios(self, *, strict: bool = True) -> list[str]:
        """Read every changed scenario file again; the names reloaded. `strict`: an invalid file raises
        (400 naming it); otherwise its last good version stays in use."""
        reloaded = []
        for name in self.files.names():
            try:
                fresh = self.files.changed(name)
            except ScenarioError as exc:
                if strict:
                    raise ApiError.invalid("scenario", str(exc)) from None
                continue
            if fresh is not None:
                self.scenarios[name] = fresh
                reloaded.append(name)
        return reloaded

    def scenario_key(self, tenant: str, requested: str | None = None) -> str:
        """Which scenario applies: the request's header, then the key's own setting, then the server's.

        The key is what jobs remember (a built-in name, or the path a file was loaded from).
        """
        own = self.store.tenant(tenant).scenario
        name = requested or own or self.default_scenario
        if name in self.files:
            self._refresh(name)
        if name not in self.scenarios:
            allowed = self.scenario_names(tenant)
            raise ApiError.invalid("X-Mock-Scenario", f"unknown scenario {name!r}", allowed=allowed)
        return name

    def scenario_names(self, tenant: str | None) -> list[str]:
        """The scenarios an error may list to `tenant` (None: the operator, all of them): the
        built-ins, the server's default and the key's own setting, never files other keys loaded."""
        if tenant is None:
            return sorted(self.scenarios)
        own = self.store.tenant(tenant).scenario
        return sorted(self._builtin | {self.default_scenario} | ({own} if own else set()))

    def set_tenant_scenario(self, tenant: str, name: str | None) -> None:
        if name is not None:
            try:
                self.add_scenario(name)
            except ScenarioError as exc:
                raise ApiError.invalid("scenario", str(exc), allowed=self.scenario_names(tenant)) from None
        self.store.set_scenario(tenant, name)

    # --- the four operations -------------------------------------------------------------

    def submit(
        self,
        tenant: str,
        body: Any,
        *,
        scenario: str | None = None,
        base_url: str = "",
        text: str | None = None,
        session_id: str | None = None,
    ) -> Job:
        """A new job for `body` (or the documented error). `text`: the body as the JSON text it was
        read from, if the caller has it; the job keeps that text, or `body` written out.
        `session_id`: the `x-session-id` header, if any."""
        self._check_enabled(tenant)
        key = self.scenario_key(tenant, scenario)
        timeline_of = self.scenarios[key]
        request = self._validator.check(body)
        spec = check_capabilities(request, self.catalog)
        if self.version.current_fields:
            capability = self.catalog.capability(spec.model.id)
            previous = lambda job_id: self._kept(tenant, job_id)  # noqa: E731
            check_current_request(request, spec.model, capability, previous, session_id)
        for check in self.submit_checks:
            check(request)
        after_commit = self._inject_faults(timeline_of, "submit", tenant)
        now = self.clock.now()
        throttle(tenant, now, cap=self.max_concurrent_jobs, running=self.running, limiter=self.limiter)
        cost, _sku = price_job(spec.model, spec.variant)
        drawn, generation_suffix = self.store.new_ids()
        job_id = self.version.job_id(drawn, now)
        timeline = timeline_of.timeline(self.seed, job_id)
        if text is None:
            text = request_text(request)
        job = Job(
            id=job_id,
            tenant=tenant,
            model=spec.model.id,
            scenario=key,
            created_at=now,
            timeline=timeline,
            request_json=text,
            aspect_ratio=spec.aspect_ratio,
            cost=cost,
            generation_suffix=generation_suffix,
            entered_at=now,
            base_url=base_url,
        )
        charge = None
        try:
            with self.store.atomic(undo=True):  # the charge and the job: both written, or neither
                charge = self.ledger.charge(tenant, job_id, cost, now)
                self.store.add(job)
        except InsufficientCredits as exc:
            raise _payment_required(exc) from None
        except WriteFailed as exc:
            self.store.discard(job_id)
            if charge is not None:
                self.ledger.cancel(charge)
            raise _not_saved(exc) from None
        self._retain()
        if after_commit is not None:  # created and charged: now the answer goes wrong
            fail(after_commit, self.clock.now(), self.speed)
        return job

    def poll(self, tenant: str, job_id: str) -> Job:
        self._check_enabled(tenant)
        job = self._owned(tenant, job_id)
        self._inject_faults(self._scenario_of(job), "poll", job.id)
        return self._advance(job.id, polled=True)

    def content(self, tenant: str | None, job_id: str, index: int) -> Job:
        """A download (`tenant` None: through a signed URL, checked by the shell)."""
        if tenant is not None:
            self._check_enabled(tenant)
        job = self.completed(tenant, job_id)
        expires_at = self.expires_at(job)
        if expires_at is not None and self.clock.now() >= expires_at:
            raise ApiError(self.version.gone_status, "Video has expired", metadata={"expires_at": expires_at})
        if index >= job.outputs:
            message = f"Job {job.id} has {job.outputs} output(s); index {index} does not exist"
            raise ApiError(404, message, metadata={"index": index, "outputs": job.outputs})
        self._inject_faults(self._scenario_of(job), "content", job.id)
        return self.store.update(job.id, _count_download)

    def body_fault(self, job: Job, index: int) -> BodyFault | None:
        """How this download of output `index` breaks on the wire, if it does (attempts counted
        per output); the attempt after a `bad-gateway` cut answers 502 here instead."""
        scenario = self._scenario_of(job)
        if scenario is None or not scenario.download_faults:
            return None
        output = f"{job.id}/{index}"
        fault = pick_body_fault(scenario.download_faults, self.store.count(output, "download"), output, self.seed)
        if fault is not None and fault.answers_502:
            raise fault_error(502, "Upstream provider connection lost mid-download", None, self.clock.now(), self.speed)
        return fault

    def models(self, tenant: str | None) -> bytes:
        scenario = self.scenarios[self.scenario_key(tenant) if tenant else self.default_scenario]
        self._inject_faults(scenario, "models", tenant or "anonymous")
        return self.catalog.response_bytes

    # --- operator controls (plugin handles and the control API) --------------------------

    def completed(self, tenant: str | None, job_id: str) -> Job:
        """The job as it stands now if it has a video; else the documented 404 (not a download)."""
        job = self._advance(self._owned(tenant, job_id).id)
        if job.status is not JobStatus.COMPLETED:
            message = f"Video is not available: job {job.id} is {job.status.value}"
            raise ApiError(self.version.not_ready_status, message, metadata={"status": job.status.value})
        return job

    def expires_at(self, job: Job) -> int | None:
        """When a completed job's outputs (and their signed URLs) stop, in whole seconds: its
        step's `expires`, else the version's lifetime; None: never (or not completed)."""
        if job.status is not JobStatus.COMPLETED:
            return None
        lifetime = job.current.expires
        if lifetime is None:
            lifetime = self.version.output_seconds
        return None if lifetime is None else math.floor(job.entered_at + lifetime)

    def inspect(self, tenant: str | None, job_id: str) -> Job:
        """The job as it stands now, without counting a poll."""
        return self._advance(self._owned(tenant, job_id).id)

    def force(self, tenant: str | None, job_id: str, status: JobStatus | None = None, error: str | None = None) -> Job:
        job = self._advance(self._owned(tenant, job_id).id)
        try:
            moved, transitions = force(job, self.clock.now(), status, error)
        except (ValueError, IndexError) as exc:
            raise ApiError.invalid("status", str(exc)) from None
        with self.store.atomic():  # the job, its refund and its webhook: one unit
            self.store.update(job.id, lambda _old: moved)
            self._announce(moved, transitions)
        return moved

    def sweep(self, tenant: str | None = None) -> None:
        """Bring every unfinished job (of `tenant`, or of all) up to now, firing its transitions.

        Jobs advance lazily when read; the webhook pump, the job cap, the operator's clock and
        listings need the ones nobody is polling to move on too. Only the jobs that came due are
        touched (the store's schedule): a sweep with nothing due costs microseconds, whatever
        the store holds.
        """
        for job_id in self.store.come_due(tenant, self.clock.now()):
            self._advance(job_id)

    def running(self, tenant: str) -> list[Job]:
        """The key's unfinished jobs as they stand now, oldest first."""
        self.sweep(tenant)
        jobs = (self.store.get(tenant, job_id) for job_id in self.store.unfinished(tenant))
        return [job for job in jobs if job is not None]

    # --- internals ------------------------------------------------------------------------

    def _refresh(self, name: str) -> None:
        """A submit under a scenario file sees its latest valid version (edited without a restart)."""
        try:
            fresh = self.files.changed(name)
        except ScenarioError:
            return  # the last good version stays; POST /_mock/scenarios/reload says what is wrong
        if fresh is not None:
            self.scenarios[name] = fresh

    def _retain(self) -> None:
        """Past `max_jobs`, forget the oldest finished jobs (a few per submit; running ones stay).

        Each is brought up to now first, so its refund and webhook still happen.
        """
        found: list[tuple[Job, list[Transition]]] = []
        now = self.clock.now()

        def catch_up(job: Job) -> Job:
            moved, transitions = advance(job, now)
            if transitions:
                found.append((moved, transitions))
            return moved

        with self.store.atomic():
            self.store.retire_oldest(catch_up)
            for job, transitions in found:
                self._announce(job, transitions)

    def _check_enabled(self, tenant: str) -> None:
        if self.store.tenant(tenant).disabled:
            if self.version.disabled_key_status == 401:  # no 403 in the version: an unknown key
                raise ApiError(401, "Invalid API key")
            raise ApiError(403, "API key is disabled", metadata={"error_type": "forbidden"})

    def _kept(self, tenant: str, job_id: str) -> Job | None:
        """A job of `tenant` as it stands now, or None."""
        job = self.store.get(tenant, job_id)
        return None if job is None else self._advance(job.id)

    def _owned(self, tenant: str | None, job_id: str) -> Job:
        job = self.store.get(tenant, job_id)
        if job is None:
            raise ApiError(404, "Resource not found", metadata={"job_id": job_id})
        return job

    def _scenario_of(self, job: Job) -> Scenario | None:
        # None: a restored job whose scenario file is gone; its timeline is on the job already.
        return self.scenarios.get(job.scenario)

    def _advance(self, job_id: str, *, polled: bool = False) -> Job:
        found: list[Transition] = []

        def step(job: Job) -> Job:
            moved, transitions = advance(job, self.clock.now(), polled=polled)
            found.extend(transitions)
            return moved

        with self.store.atomic():  # the job, its refund and its webhook: one unit
            job = self.store.update(job_id, step)
            self._announce(job, found)
        return job

    def _announce(self, job: Job, transitions: list[Transition]) -> None:
        for transition in transitions:
            if transition.new in _REFUNDED and self._refunds(job):
                self.ledger.refund(job.tenant, job.id, job.cost, transition.at)
            for listener in self._listeners:
                listener(job, transition)

    def answers(self, job: Job) -> Answers:
        """How the job's scenario shapes its bodies (plain for a restored job whose file is gone)."""
        scenario = self._scenario_of(job)
        return scenario.answers if scenario is not None else _PLAIN

    def _refunds(self, job: Job) -> bool:
        scenario = self._scenario_of(job)
        return scenario is None or scenario.refund

    def _inject_faults(self, scenario: Scenario | None, operation: Operation, scope: str) -> Fault | None:
        return inject_faults(
            scenario,
            operation,
            scope,
            clock=self.clock,
            limiter=self.limiter,
            store=self.store,
            seed=self.seed,
            speed=self.speed,
        )


_PLAIN = Answers()

# Jobs that end without a video give their charge back (DECISIONS.md: refunds).
_REFUNDED = frozenset({JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.EXPIRED})


def _payment_required(exc: InsufficientCredits) -> ApiError:
    metadata = {"error_type": ERROR_TYPES[402], "balance": str(exc.balance), "cost": str(exc.cost)}
    return ApiError(402, metadata=metadata)


def _not_saved(exc: WriteFailed) -> ApiError:
    message = f"The mock could not save the job, so it was not created and nothing was charged ({exc})"
    return ApiError(500, message, metadata={"error_type": ERROR_TYPES[500]})


def _count_download(job: Job) -> Job:
    return counted(job, downloads=1)
