"""Webhook deliveries: one per job that reaches a terminal status, sent on the mock's clock.

`WebhookDispatcher` listens to the service's transitions and keeps a `Delivery` per terminal
job that has a `callback_url` (or when the server has a default); under `[webhook] early` it
makes it at the submit instead, due before the transition (`_early`). `pump()` sends what is due:
the live server runs it every ~100 ms from its lifespan; in-process tests call it themselves
after moving the virtual clock. Every attempt is journaled (operation "webhook") and logged.
The sending side (`pump`, `run_forever`, attempts) is `webhooks._sending.Sender`; it finds what is
due in `webhooks._queue.DueQueue` (by `next_at`), so a tick costs what is due, not what is kept.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mockserver.config import MockConfig
from mockserver.domain.clock import Clock
from mockserver.domain.errors import ApiError
from mockserver.domain.jobs import Job, Transition
from mockserver.domain.journal import Journal
from mockserver.domain.scenarios import WebhookFaults
from mockserver.domain.service import MockService
from mockserver.webhooks._early import foreseen, settle
from mockserver.webhooks._queue import DueQueue
from mockserver.webhooks._sending import Sender
from mockserver.webhooks.delivery import Delivery, event_body
from mockserver.webhooks.policy import CallbackPolicy

if TYPE_CHECKING:  # httpx (~50 ms with what it pulls in) loads on the first delivery, not at startup
    import httpx

__all__ = ["WebhookConfigError", "WebhookDispatcher"]

log = logging.getLogger("mockserver.jobs")


class WebhookConfigError(ValueError):
    """A server-wide webhook setting that can never work (e.g. an http:// default off loopback)."""


class WebhookDispatcher(Sender):
    """Hears the service's transitions and keeps the deliveries; sending them is `Sender`'s."""

    def __init__(
        self,
        *,
        config: MockConfig,
        clock: Clock,
        service: MockService,
        journal: Journal,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 5.0,
        max_per_pump: int = 32,
        on_delivery: Callable[[Delivery], None] | None = None,
        max_kept: int = 10_000,
    ) -> None:
        self.policy = CallbackPolicy(config.webhook_allow_http_loopback, config.webhook_allow_hosts)
        if config.webhook_url is not None and (why := self.policy.refusal(config.webhook_url)):
            raise WebhookConfigError(f"webhook_url {config.webhook_url!r}: {why}")
        self.default_url = config.webhook_url
        self.secret = config.webhook_secret
        self.max_attempts = config.webhook_max_attempts
        # None: a fresh `httpx.AsyncHTTPTransport` per pump (no proxies, no redirects followed).
        self.transport = transport
        self.timeout = timeout
        self.max_per_pump = max_per_pump
        self._clock = clock
        self._service = service
        self._journal = journal
        self._on_delivery = on_delivery  # called after each change of a delivery (a state file writes it)
        # Finished deliveries kept (the oldest go first); pending ones always stay.
        self.max_kept = max_kept
        self._deliveries: dict[int, Delivery] = {}
        # The pending ones by when they are due: what a pump looks at (never the finished ones).
        self._queue = DueQueue()
        # Unfinished jobs' early deliveries (`_early.py`), by job id: at most one per running job.
        self._early: dict[str, Delivery] = {}
        self._seq = itertools.count(1)
        self._lock = threading.Lock()
        # Sweeping unpolled jobs and hearing every transition cost time on every job; both only
        # start once a webhook can exist.
        self._watching = False
        if self.default_url is not None:
            self._watch()
        service.submit_checks.append(self._check_request)

    # --- what others read --------------------------------------------------------------------

    def deliveries(self, tenant: str | None = None) -> list[Delivery]:
        """Every delivery (of one API key, or of all with None), oldest first."""
        with self._lock:
            return [d for d in self._deliveries.values() if tenant is None or d.tenant == tenant]

    def reset(self) -> None:
        with self._lock:
            self._deliveries.clear()
            self._early.clear()
            self._queue.clear()

    def restore(self, deliveries: list[Delivery], jobs: list[Job]) -> None:
        """Load what a state file kept; unfinished deliveries carry on from their schedule."""
        with self._lock:
            self._deliveries = {delivery.id: delivery for delivery in deliveries}
            self._queue.load(deliveries)
            self._seq = itertools.count(max(self._deliveries, default=0) + 1)
            # Early deliveries wait for their job's terminal transition (not yet stored, if it is unfinished).
            unfinished = {job.id for job in jobs if not job.status.terminal}
            self._early = {d.job_id: d for d in deliveries if d.announces_at is not None and d.job_id in unfinished}
            # The text first: parsing every job's request is a tenth of a restart with 10,000 jobs.
            if any("callback_url" in job.request_json and job.request.get("callback_url") for job in jobs):
                self._watch()

    # --- hooks on the service ------------------------------------------------------------------

    def _check_request(self, request: dict[str, Any]) -> None:
        url = request.get("callback_url")
        if url is None:
            return
        why = self.policy.refusal(url)
        if why is not None:
            raise ApiError.invalid("callback_url", why, value=url)
        self._watch()

    def _watch(self) -> None:
        if not self._watching:
            self._watching = True
            self._service.on_transition(self._on_transition)
            self._service.on_submit(self._on_submit)

    def _on_submit(self, job: Job) -> None:
        """`[webhook] early`: the terminal status's delivery is made now, due `early` seconds
        before the job's timeline reaches that status (fixed at submit), so it goes out while
        polls still answer the status before."""
        faults = self._faults(job)
        if not faults.early:
            return
        url = job.request.get("callback_url") or self.default_url
        ahead = foreseen(job) if url is not None else None
        if url is None or ahead is None:
            return
        ended, terminal = ahead
        sent_at = max(job.created_at, terminal.at - faults.early)
        # The event is dated when the provider "really" finished: when it is sent, not in its future.
        delivery = self._delivery(ended, terminal._replace(at=sent_at), url, faults)
        delivery.announces_at = terminal.at
        with self._lock:
            self._early[job.id] = delivery
        self._keep(delivery)

    def _on_transition(self, job: Job, transition: Transition) -> None:
        if not transition.new.terminal:
            return
        url = job.request.get("callback_url") or self.default_url
        if url is None:
            return
        faults = self._faults(job)
        with self._lock:
            early = self._early.pop(job.id, None)
            settled = "apart" if early is None else settle(early, job, transition, faults.delay)
            if early is not None and settled == "rewritten":
                self._queue.schedule(early)  # due at its new time
        if early is not None and settled == "rewritten":
            self._write(early)
        elif settled == "apart":
            self._keep(self._delivery(job, transition, url, faults))

    def _faults(self, job: Job) -> WebhookFaults:
        scenario = self._service.scenarios.get(job.scenario)  # None: a restored job's file is gone
        return scenario.webhook if scenario is not None else WebhookFaults()

    def _delivery(self, job: Job, transition: Transition, url: str, faults: WebhookFaults) -> Delivery:
        delivery = Delivery(
            id=next(self._seq),
            job_id=job.id,
            tenant=job.tenant,
            url=url,
            type=f"video.generation.{transition.new.value}",
            idempotency_key=f"{job.id}-{transition.new.value}",
            body=event_body(job, transition),
            next_at=transition.at + faults.delay,
            duplicates=faults.duplicate,
            out_of_order=faults.out_of_order,
            hold=faults.hold,
        )
        if not self.policy.allows(url):
            delivery.state, delivery.next_at = "blocked", None
            log.warning(
                "webhook %s to %s blocked: the mock only contacts loopback and allowed hosts (--webhook-allow-host)",
                delivery.idempotency_key,
                url,
            )
        return delivery

    def _keep(self, delivery: Delivery) -> None:
        with self._lock:
            self._deliveries[delivery.id] = delivery
            self._queue.schedule(delivery)
            if len(self._deliveries) > self.max_kept + max(1, self.max_kept // 16):
                self._prune()
        self._write(delivery)

    def _prune(self) -> None:
        """Down to `max_kept`, oldest finished first: in batches, so a submit pays for it rarely."""
        excess = len(self._deliveries) - self.max_kept
        for delivery_id in [d.id for d in self._deliveries.values() if d.state != "pending"][:excess]:
            del self._deliveries[delivery_id]
