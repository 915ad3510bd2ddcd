"""The mock's operations on plain data: submit, poll, download, force. No HTTP here.

Routes parse a request, call one method, and render what comes back; the pytest plugin and the
control API call the same methods, so every way of driving the mock behaves the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from mockserver.domain._faults import fail, fault_error, inject_faults
from mockserver.domain._job_motion import JobMotion
from mockserver.domain._throttle import throttle
from mockserver.domain.body_faults import BodyFault, pick_body_fault
from mockserver.domain.catalog import Catalog, ModelSpec
from mockserver.domain.clock import Clock
from mockserver.domain.current_requests import check_current_request, is_plain_request
from mockserver.domain.errors import ERROR_TYPES, ApiError
from mockserver.domain.jobs import TERMINAL, Job, JobStatus, Transition, force, request_text
from mockserver.domain.ledger import InsufficientCredits, Ledger, LedgerEntry
from mockserver.domain.pricing import price_job
from mockserver.domain.ratelimit import RateLimiter
from mockserver.domain.requests import RequestValidator, check_capabilities
from mockserver.domain.scenarios import Fault, Operation, Scenario, ScenarioFiles
from mockserver.domain.store import JobStore, WriteFailed
from mockserver.domain.versions import VERSIONS, ApiVersion

__all__ = ["MockService", "SubmitCheck", "SubmitListener", "TransitionListener", "not_saved"]

TransitionListener = Callable[[Job, Transition], None]
SubmitListener = Callable[[Job], None]
# Extra checks on a validated request before anything is charged or created (raise ApiError).
SubmitCheck = Callable[[dict[str, Any]], None]

_new: Any = tuple.__new__  # a named tuple without its generated `__new__` (see jobs.py)


class MockService(JobMotion):
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
        self.speed = speed  # mock seconds per real second: what a scenario's Retry-After lasts here
        self._validator = validator
        self._listeners: list[TransitionListener] = []
        self._submit_listeners: list[SubmitListener] = []
        self.submit_checks: list[SubmitCheck] = []
        self.files = ScenarioFiles()  # scenarios given by path, read again when they change
        self.default_scenario = self.add_scenario(default_scenario)

    def on_transition(self, listener: TransitionListener) -> None:
        """Call `listener(job, transition)` after every status change from now on."""
        self._listeners.append(listener)

    def on_submit(self, listener: SubmitListener) -> None:
        """Call `listener(job)` after every job created from now on (stored and charged)."""
        self._submit_listeners.append(listener)

    @property
    def listener_count(self) -> int:
        return len(self._listeners) + len(self._submit_listeners)

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
        `session_id`: the `x-session-id` header, if any (the job keeps it as its request's
        `session_id` when the body has none)."""
        settings = self.store.tenant(tenant)
        if settings.disabled:
            self._refuse_disabled()
        key = self.scenario_name(tenant, scenario or settings.scenario)
        timeline_of = self.scenarios[key]
        request = self._validator.check(body)
        spec = check_capabilities(request, self.catalog)
        if self.version.current_fields and (session_id is not None or not is_plain_request(request)):
            text = self._check_current(tenant, request, spec.model, session_id) or text
        for check in self.submit_checks:
            check(request)
        after_commit = None
        if timeline_of.faults_for("submit"):
            after_commit = self._inject_faults(timeline_of, "submit", tenant, request)
        now = self.clock.now()
        if self.max_concurrent_jobs is not None or self.limiter.per_minute is not None:
            throttle(tenant, now, cap=self.max_concurrent_jobs, running=self.running, limiter=self.limiter)
        cost, _sku = price_job(spec.model, spec.variant)
        drawn, generation_suffix = self.store.new_ids()
        job_id = self.version.job_id(drawn, now)
        timeline = timeline_of.timeline(self.seed, job_id)
        if text is None:
            text = request_text(request)
        # Positional, without `Job`'s generated `__new__`: seventeen keywords cost more than the store.
        job: Job = _new(
            Job,
            (
                job_id,
                tenant,
                spec.model.id,
                key,
                now,
                timeline,
                text,
                spec.aspect_ratio,
                cost,
                generation_suffix,
                0,  # phase
                now,  # entered_at
                0,  # polls_in_phase
                0,  # polls
                0,  # downloads
                None,  # generation_id
                base_url,
            ),
        )
        in_memory = self.store.in_memory  # nothing to write: no unit to open, nothing to wait for
        try:
            if in_memory:
                self.ledger.charge(tenant, job_id, cost, now)
                self.store.add(job)
            else:
                self._store_new(job, now)
        except InsufficientCredits as exc:
            raise _payment_required(exc) from None
        if in_memory:  # `_submitted`, inline
            for listener in self._submit_listeners:
                listener(job)
            if self.store.retirement_due():
                self._retain()
        if after_commit is not None:  # created and charged: now the answer goes wrong
            fail(after_commit, self.clock.now(), self.speed)
        return job

    def _check_current(
        self, tenant: str, request: dict[str, Any], model: ModelSpec, session_id: str | None
    ) -> str | None:
        """2026-10's rules beyond the schema; the request's new text when the header's
        `session_id` is to be kept with it (the body's wins: DECISIONS.md), else None."""
        capability = self.catalog.capability(model.id)
        previous = lambda job_id: self._kept(tenant, job_id)  # noqa: E731
        check_current_request(request, model, capability, previous, session_id)
        if session_id is not None and "session_id" not in request:
            return request_text({**request, "session_id": session_id})  # kept with the job, --state too
        return None

    def _store_new(self, job: Job, now: float) -> None:
        """Charge and store a new job as one unit that a writer may take back (then a 500)."""
        charge: LedgerEntry | None = None

        def take_back() -> None:  # the unit could not be written: no job, no charge
            self.store.discard(job.id)
            if charge is not None:
                self.ledger.cancel(charge)

        try:
            with self.store.atomic(undo=take_back):  # the charge and the job: both written, or neither
                charge = self.ledger.charge(job.tenant, job.id, job.cost, now)
                self.store.add(job)
        except WriteFailed as exc:
            raise not_saved(exc) from None
        self.store.when_written(lambda: self._submitted(job))  # with --state served: after its commit

    def _submitted(self, job: Job) -> None:
        for listener in self._submit_listeners:
            listener(job)
        if self.store.retirement_due():
            self._retain()

    def poll(self, tenant: str, job_id: str) -> Job:
        self._check_enabled(tenant)
        job = self._owned(tenant, job_id)
        scenario = self._scenario_of(job)
        if scenario is not None and scenario.faults_for("poll"):  # most polls: no fault to look at
            self._inject_faults(scenario, "poll", job.id)
        if job.timeline[job.phase].status in TERMINAL:  # nothing can move: one count, no unit to open
            return self.store.polled_finished(job.id)
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
        return self.store.downloaded(job.id)

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
        job = self._current(self._owned(tenant, job_id))
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
        return self._current(self._owned(tenant, job_id))

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

    # --- internals ------------------------------------------------------------------------

    def _check_enabled(self, tenant: str) -> None:
        if self.store.tenant(tenant).disabled:
            self._refuse_disabled()

    def _refuse_disabled(self) -> None:
        if self.version.disabled_key_status == 401:  # no 403 in the version: an unknown key
            raise ApiError(401, "Invalid API key")
        raise ApiError(403, "API key is disabled", metadata={"error_type": "forbidden"})

    def _kept(self, tenant: str, job_id: str) -> Job | None:
        """A job of `tenant` as it stands now, or None."""
        job = self.store.get(tenant, job_id)
        return None if job is None else self._current(job)

    def _owned(self, tenant: str | None, job_id: str) -> Job:
        job = self.store.get(tenant, job_id)
        if job is None:
            raise ApiError(404, "Resource not found", metadata={"job_id": job_id})
        return job

    def _inject_faults(
        self, scenario: Scenario | None, operation: Operation, scope: str, request: dict[str, Any] | None = None
    ) -> Fault | None:
        return inject_faults(
            scenario,
            operation,
            scope,
            clock=self.clock,
            limiter=self.limiter,
            store=self.store,
            seed=self.seed,
            speed=self.speed,
            request=request,
        )


def _payment_required(exc: InsufficientCredits) -> ApiError:
    metadata = {"error_type": ERROR_TYPES[402], "balance": str(exc.balance), "cost": str(exc.cost)}
    return ApiError(402, metadata=metadata)


def not_saved(exc: WriteFailed) -> ApiError:
    """The 500 of a submit whose job could not be written (and was taken back)."""
    message = f"The mock could not save the job, so it was not created and nothing was charged ({exc})"
    return ApiError(500, message, metadata={"error_type": ERROR_TYPES[500]})
