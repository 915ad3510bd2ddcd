"""The one front object: the operator's controls, and the in-process surface tests steer the mock by.

The `/_mock/` routes, the dashboard, the pytest plugin's handles, `contracts/` and `bench/` all
call these methods, so every way of driving the mock behaves the same. Operator methods take a
`Scope`: the operator sees and steers every key; an API key only its own jobs, settings and
journal entries. Another key's job is a 404 (as on the vendor API: no existence leak); an
operator-only control is a 403. The in-process methods (`submit`, `poll`, `stored`, `ledger`,
`journal_entries`, `on_transition`, ...) act as the key they are given, with no HTTP in between.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Generator, Sequence
from decimal import Decimal
from typing import Any

from mockserver.control import checks
from mockserver.control._inputs import LATEST_TIME, MAX_CLOCK_STEP, MAX_LIMIT, job_status
from mockserver.control.scope import OPERATOR, UNSET, Scope, Unset, require_operator
from mockserver.control.sources import DeliverySource, Summarized, VideoSource
from mockserver.control.summaries import entry_summary, key_summary
from mockserver.domain.clock import Clock, VirtualClock
from mockserver.domain.errors import ApiError
from mockserver.domain.jobs import Job, JobStatus
from mockserver.domain.journal import Entry, Journal
from mockserver.domain.ledger import LedgerEntry
from mockserver.domain.service import MockService, TransitionListener
from mockserver.wire.auth import is_accepted_key

__all__ = [
    "MAX_CLOCK_STEP",
    "MAX_LIMIT",
    "OPERATOR",
    "UNSET",
    "Controller",
    "DeliverySource",
    "Scope",
    "Summarized",
    "VideoSource",
]

_IN_PROCESS_BASE = "http://testserver/api/v1"


class Controller:
    """Everything a test, the dashboard or the control API may do to one mock instance."""

    def __init__(
        self,
        *,
        service: MockService,
        journal: Journal,
        clock: Clock,
        api_keys: Collection[str] | None,
        videos: VideoSource,
        deliveries: DeliverySource,
        reset: Callable[[], None],
        clock_moved: Callable[[], None],
        flush: Callable[[], None],
        errors: list[BaseException],
    ) -> None:
        self._service = service
        self._journal = journal
        self._clock = clock
        self._api_keys = api_keys
        self._videos = videos
        self._deliveries = deliveries
        self._reset = reset
        self._clock_moved = clock_moved
        self._flush = flush  # what the journal holds is written out before anyone reads it
        # Unexpected exceptions inside the app (answered with a 500 envelope), for tests to re-raise.
        self.errors = errors

    @property
    def clock(self) -> Clock:
        return self._clock

    # --- in-process: act as one key, no HTTP ---------------------------------------------------

    def submit(
        self,
        key: str,
        body: dict[str, Any],
        *,
        scenario: str | None = None,
        base_url: str = _IN_PROCESS_BASE,
        text: str | None = None,
    ) -> Job:
        """What `POST /videos` with this body would create (or the ApiError it would answer)."""
        return self._service.submit(key, body, scenario=scenario, base_url=base_url, text=text)

    def poll(self, key: str, job_id: str) -> Job:
        """What `GET /videos/{id}` would show (counts as a poll, faults included)."""
        return self._service.poll(key, job_id)

    def stored(self, job_id: str) -> Job | None:
        """The job as stored, not moved on to now and not counted as a read (None: unknown or retired)."""
        return self._service.store.get(None, job_id)

    def stored_jobs(self, key: str | None = None) -> list[Job]:
        """Every kept job (of `key`), oldest first, as stored."""
        return self._service.store.jobs(key)

    @property
    def job_count(self) -> int:
        return len(self._service.store)

    def balance(self, key: str) -> Decimal | None:
        """A key's credits now (None: unlimited); jobs that ended since are refunded first."""
        self._service.sweep(key)
        return self._service.ledger.balance(key)

    def ledger(self, key: str | None = None) -> list[LedgerEntry]:
        """Ledger entries (charges and refunds) of `key`, or of every key."""
        return list(self._service.ledger.entries(key))

    def journal_entries(self) -> list[Entry]:
        """Every journaled request, oldest first."""
        return self._journal.entries()

    def delivery_records(self, key: str | None = None) -> list[Any]:
        """Webhook deliveries (of `key`) as objects, with their attempts."""
        return list(self._deliveries.deliveries(key))

    def on_transition(self, listener: TransitionListener) -> None:
        """Call `listener(job, transition)` for every status change from now on."""
        self._service.on_transition(listener)

    def catch_up(self) -> None:
        """Bring every unfinished job up to now (its transitions, refunds and webhooks happen)."""
        self._service.sweep()

    def catching_up(self) -> Generator[None, None, None]:
        """`catch_up` a batch at a time, pausing between batches (`MockService.sweeping`)."""
        return self._service.sweeping()

    def set_scenario(self, key: str, name: str | None) -> None:
        """The scenario of a key's next jobs (a built-in name or a file path; None: the server's)."""
        self._service.set_tenant_scenario(key, name)

    # --- jobs -------------------------------------------------------------------------------

    def jobs(
        self,
        scope: Scope,
        *,
        status: JobStatus | str | None = None,
        key: str | None = None,
        limit: int | None = None,
        newest_first: bool = True,
    ) -> list[Job]:
        """The scope's jobs as they stand now (reading them is not a poll); `key` narrows further."""
        wanted = job_status(status) if status is not None else None
        if scope.key is not None and key not in (None, scope.key):
            return []  # another key's jobs: nothing, and no hint whether it has any
        tenant = scope.key or key
        self._service.sweep(tenant)  # unfinished jobs move on to now; finished ones never change
        found = [job for job in self._service.store.jobs(tenant) if wanted in (None, job.status)]
        if newest_first:
            found.reverse()
        return found if limit is None else found[:limit]

    def job(self, scope: Scope, job_id: str) -> Job:
        return self._service.inspect(scope.key, job_id)

    def advance_job(
        self, scope: Scope, job_id: str, status: JobStatus | str | None = None, error: str | None = None
    ) -> Job:
        """Move a job on now: to its timeline's next status, or to `status`; `error` alone fails it."""
        target = job_status(status) if status is not None else None
        return self._service.force(scope.key, job_id, target, error)

    async def video(self, scope: Scope, job_id: str) -> bytes:
        """A completed job's MP4, for the dashboard's player (not counted as a download)."""
        job = self._service.completed(scope.key, job_id)
        return await self._videos.video_of(job)

    # --- clock and reset (operator only) -----------------------------------------------------

    def advance_clock(self, scope: Scope, seconds: float) -> float:
        """Move the mock's clock forward, then let every job that came due move on; the new time."""
        require_operator(scope)
        if not (isinstance(seconds, int | float) and math.isfinite(seconds) and 0 <= seconds <= MAX_CLOCK_STEP):
            raise ApiError.invalid("seconds", f"seconds must be a number from 0 to {MAX_CLOCK_STEP:.0f}")
        advance = getattr(self._clock, "advance", None)
        if advance is None:
            raise ApiError(409, "This mock's clock cannot be moved")
        if self._clock.now() + seconds > LATEST_TIME:
            raise ApiError.invalid("seconds", "the clock cannot move past the year 9999")
        now = float(advance(seconds))
        self._clock_moved()  # a restart must not undo the jump
        self._service.sweep()
        return now

    def reload_scenarios(self, scope: Scope) -> dict[str, Any]:
        """Read every scenario file given by path again if it changed (submits also do, by mtime)."""
        require_operator(scope)
        reloaded = self._service.reload_scenarios()
        return {"reloaded": reloaded, "files": self._service.files.names()}

    def reset(self, scope: Scope) -> None:
        """Forget every job, key setting, journal entry and recorded error."""
        require_operator(scope)
        self._reset()

    def health(self) -> dict[str, Any]:
        clock = "virtual" if isinstance(self._clock, VirtualClock) else "system"
        return {
            "status": "ok",
            "now": self._clock.now(),
            "jobs": len(self._service.store),
            "scenario": self._service.default_scenario,
            "clock": clock,
        }

    # --- keys ---------------------------------------------------------------------------------

    def key(self, scope: Scope, key: str) -> dict[str, Any]:
        """A key's scenario, credits, spending and recent ledger entries."""
        self._own_key(scope, key)
        return key_summary(self._service, key)

    def update_key(
        self,
        scope: Scope,
        key: str,
        *,
        scenario: str | None | Unset = UNSET,
        credits: Decimal | None | Unset = UNSET,
        disabled: bool | Unset = UNSET,
    ) -> dict[str, Any]:
        """Set a key's scenario (None: the server's), credits (None: unlimited) and/or whether it is
        disabled (its vendor requests then answer 403 in 2026-10, 401 in 2026-06; operator only)."""
        self._own_key(scope, key)
        if disabled is not UNSET:
            require_operator(scope)  # a key cannot switch itself back on
            if not isinstance(disabled, bool):
                raise ApiError.invalid("disabled", "disabled must be true or false")
            self._service.store.set_disabled(key, disabled)
        if isinstance(credits, Decimal) and (not credits.is_finite() or credits < 0):
            raise ApiError.invalid("credits", "credits must be a non-negative amount or null")
        if scenario is not UNSET:
            # Only the operator may load a scenario file by path; a key picks among known names.
            if not scope.is_operator and scenario is not None and scenario not in self._service.scenarios:
                allowed = self._service.scenario_names(key)
                raise ApiError.invalid("scenario", f"unknown scenario {scenario!r}", allowed=allowed)
            self._service.set_tenant_scenario(key, scenario)
        if credits is not UNSET:
            self._service.ledger.set_balance(key, credits, at=self._clock.now())
        return self.key(scope, key)

    # --- records ------------------------------------------------------------------------------

    def journal(self, scope: Scope, *, since: int = 0, limit: int = 200, tail: bool = False) -> dict[str, Any]:
        """Journal entries after `since` (a seq): the oldest `limit` of them, or the newest with `tail`."""
        self._flush()  # what a reader saw is in the state file, should the process die next
        entries = [e for e in self._journal.entries() if e.seq > since and scope.key in (None, e.tenant)]
        page = entries[-limit:] if tail else entries[:limit]
        more = not tail and len(entries) > limit
        return {
            "entries": [entry_summary(entry) for entry in page],
            "next": page[-1].seq if page else since,
            "more": more,
        }

    def checks(
        self,
        scope: Scope,
        *,
        rules: Sequence[str] | None = None,
        min_interval: float | None = None,
        max_submits: int | None = None,
        key: str | None = None,
        since: int = 0,
    ) -> dict[str, Any]:
        """Which good-citizen rules the journaled traffic (the scope's, `key`'s, after `since`) broke."""
        tenant = scope.key or key  # a key asking about another key's traffic sees only its own
        entries = [e for e in self._journal.entries() if e.seq > since and tenant in (None, e.tenant)]
        try:
            return checks.report(
                entries,
                lambda job_id: self._service.store.get(tenant, job_id),
                rules=rules,
                min_interval=min_interval,
                max_submits=max_submits,
                now=self._clock.now(),
                summary=entry_summary,
            )
        except checks.BadQuery as exc:
            raise ApiError.invalid(exc.param, exc.message, **exc.extra) from None

    def deliveries(self, scope: Scope) -> list[dict[str, Any]]:
        return [delivery.summary() for delivery in self._deliveries.deliveries(scope.key)]

    # --- internals ----------------------------------------------------------------------------

    def _own_key(self, scope: Scope, key: str) -> None:
        if scope.key is not None and key != scope.key:
            raise ApiError(403, "An API key may only read or change its own settings")
        if not is_accepted_key(key, self._api_keys):
            raise ApiError(404, "No such API key (keys look like sk-mg-v1-<64 hex>)", metadata={"param": "key"})
