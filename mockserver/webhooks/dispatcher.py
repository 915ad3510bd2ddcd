"""Webhook deliveries: one per job that reaches a terminal status, sent on the mock's clock.

`WebhookDispatcher` listens to the service's transitions and keeps a `Delivery` per terminal
job that has a `callback_url` (or when the server has a default). `pump()` sends what is due:
the live server runs it every ~100 ms from its lifespan; in-process tests call it themselves
after moving the virtual clock. Every attempt is journaled (operation "webhook") and logged.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import itertools
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mockserver.config import MockConfig
from mockserver.domain.clock import Clock
from mockserver.domain.errors import ApiError
from mockserver.domain.jobs import Job, Transition
from mockserver.domain.journal import Journal
from mockserver.domain.scenarios import WebhookFaults
from mockserver.domain.service import MockService
from mockserver.webhooks._sending import complaint, finished, in_sending_order, keep_error
from mockserver.webhooks.delivery import INTERRUPTED, Attempt, Delivery, event_body
from mockserver.webhooks.policy import CallbackPolicy
from mockserver.webhooks.signing import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, sign

if TYPE_CHECKING:  # httpx (~50 ms with what it pulls in) loads on the first delivery, not at startup
    import httpx

__all__ = ["WebhookConfigError", "WebhookDispatcher"]

log = logging.getLogger("mockserver.jobs")


class WebhookConfigError(ValueError):
    """A server-wide webhook setting that can never work (e.g. an http:// default off loopback)."""


class WebhookDispatcher:
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

    def restore(self, deliveries: list[Delivery], jobs: list[Job]) -> None:
        """Load what a state file kept; unfinished deliveries carry on from their schedule."""
        with self._lock:
            self._deliveries = {delivery.id: delivery for delivery in deliveries}
            self._seq = itertools.count(max(self._deliveries, default=0) + 1)
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

    def _on_transition(self, job: Job, transition: Transition) -> None:
        if not transition.new.terminal:
            return
        url = job.request.get("callback_url") or self.default_url
        if url is None:
            return
        scenario = self._service.scenarios.get(job.scenario)  # None: a restored job's file is gone
        faults = scenario.webhook if scenario is not None else WebhookFaults()
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
        with self._lock:
            self._deliveries[delivery.id] = delivery
            if len(self._deliveries) > self.max_kept + max(1, self.max_kept // 16):
                self._prune()
        self._write(delivery)

    def _prune(self) -> None:
        """Down to `max_kept`, oldest finished first: in batches, so a submit pays for it rarely."""
        excess = len(self._deliveries) - self.max_kept
        for delivery_id in [d.id for d in self._deliveries.values() if d.state != "pending"][:excess]:
            del self._deliveries[delivery_id]

    def _write(self, delivery: Delivery) -> None:
        if self._on_delivery is not None:
            self._on_delivery(delivery)

    # --- sending -------------------------------------------------------------------------------

    async def pump(self) -> int:
        """Move unpolled jobs on, then send every due delivery (at most `max_per_pump`).

        Returns how many attempts were made (duplicates included).
        """
        if self._watching:
            self._service.sweep()
        batches = self._take_due(self._clock.now())
        if not batches:
            return 0
        if self.transport is not None:
            return await self._send_all(self.transport, batches)
        import httpx

        async with httpx.AsyncHTTPTransport(trust_env=False) as transport:
            return await self._send_all(transport, batches)

    async def run_forever(self, errors: list[BaseException], interval: float = 0.1) -> None:
        """The live server's loop: each key's due deliveries go out as a task of their own, so a
        receiver that hangs delays only its own key (whose order is the point), never another's.
        A failure is logged and kept, never fatal."""
        sending: dict[str, asyncio.Task[int]] = {}  # key -> its batch in flight
        transport = self.transport
        opened: httpx.AsyncBaseTransport | None = None
        try:
            while True:
                try:
                    if self._watching:
                        self._service.sweep()
                    for batch in self._take_due(self._clock.now(), busy=sending.keys()):
                        if transport is None:
                            import httpx

                            transport = opened = httpx.AsyncHTTPTransport(trust_env=False)
                        tenant = batch[0].tenant
                        sending[tenant] = asyncio.create_task(self._send_batch(transport, batch))
                        sending[tenant].add_done_callback(functools.partial(finished, sending, tenant, errors))
                except Exception as exc:
                    keep_error(errors, exc)
                await asyncio.sleep(interval)
        finally:
            for task in sending.values():
                task.cancel()
            if opened is not None:
                await opened.aclose()

    def _take_due(self, now: float, busy: Collection[str] = ()) -> list[list[Delivery]]:
        """Due deliveries grouped per API key, in sending order; marked in flight. Keys in `busy`
        (a batch of theirs still in flight) wait for it."""
        with self._lock:
            by_tenant: dict[str, list[Delivery]] = defaultdict(list)
            for delivery in self._deliveries.values():
                if delivery.due(now) and delivery.tenant not in busy:
                    by_tenant[delivery.tenant].append(delivery)
            batches, budget = [], self.max_per_pump
            for group in by_tenant.values():
                batch = in_sending_order(group, now)[:budget]
                budget -= len(batch)
                for delivery in batch:
                    delivery.in_flight = True
                if batch:
                    batches.append(batch)
            return batches

    async def _send_all(self, transport: httpx.AsyncBaseTransport, batches: list[list[Delivery]]) -> int:
        # Keys are independent (sent concurrently); within a key the order is the point.
        return sum(await asyncio.gather(*(self._send_batch(transport, batch) for batch in batches)))

    async def _send_batch(self, transport: httpx.AsyncBaseTransport, batch: list[Delivery]) -> int:
        made = 0
        for delivery in batch:
            try:
                self._finish(delivery, await self._attempt(transport, delivery), duplicate=False)
                made += 1
                for _ in range(delivery.duplicates if delivery.state == "delivered" else 0):
                    self._finish(delivery, await self._attempt(transport, delivery), duplicate=True)
                    made += 1
            finally:
                delivery.in_flight = False
        return made

    async def _attempt(self, transport: httpx.AsyncBaseTransport, delivery: Delivery) -> Attempt:
        import httpx  # a dict lookup once loaded

        now = self._clock.now()
        number = len(delivery.attempts) + 1
        if self._on_delivery is not None:
            # Written before it is sent: a server killed mid-attempt restarts knowing the receiver
            # may have seen it (the record shows it as interrupted; the retry carries the same key).
            interrupted = Attempt(number, now, None, INTERRUPTED)
            self._on_delivery(dataclasses.replace(delivery, attempts=[*delivery.attempts, interrupted]))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "modelgates-mock-webhooks",
            IDEMPOTENCY_HEADER: delivery.idempotency_key,
        }
        if self.secret is not None:
            headers[SIGNATURE_HEADER] = sign(self.secret, delivery.body, int(now))
        request = httpx.Request(
            "POST",
            delivery.url,
            headers=headers,
            content=delivery.body,
            extensions={"timeout": httpx.Timeout(self.timeout).as_dict()},
        )
        try:
            async with asyncio.timeout(self.timeout):
                response = await transport.handle_async_request(request)
                await response.aclose()  # the receiver's body is of no interest
        except (TimeoutError, httpx.TimeoutException):
            return Attempt(number, now, None, f"timed out after {self.timeout:g} s")
        except (httpx.TransportError, OSError) as exc:
            return Attempt(number, now, None, f"{type(exc).__name__}: {exc}")
        return Attempt(number, now, response.status_code, complaint(response))

    def _finish(self, delivery: Delivery, attempt: Attempt, *, duplicate: bool) -> None:
        with self._lock:
            delivery.record(attempt, self.max_attempts, duplicate)
            if self._deliveries.get(delivery.id) is not delivery:
                return  # reset while in flight: the test that owned it is over
        self._write(delivery)
        self._journal.record(
            at=attempt.at,
            method="POST",
            path=delivery.url,
            query="",
            status=attempt.status or 0,
            tenant=delivery.tenant,
            job_id=delivery.job_id,
            operation="webhook",
            headers={IDEMPOTENCY_HEADER.lower(): delivery.idempotency_key, "attempt": str(attempt.number)},
        )
        when = datetime.fromtimestamp(attempt.at, UTC).strftime("%H:%M:%S")
        outcome = attempt.error or f"{attempt.status} ok"
        log.info(
            "%s webhook %s attempt %d%s -> %s  %s (%s)",
            when,
            delivery.idempotency_key,
            attempt.number,
            " (duplicate)" if duplicate else "",
            delivery.url,
            outcome,
            delivery.state,
        )
