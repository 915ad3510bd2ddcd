"""The dispatcher's sending side: `Sender` sends what is due (`pump`, `run_forever`), one signed
attempt at a time, and records each; the helpers below keep the order within a key, the loop's
errors and the receivers' answers."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import threading
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mockserver.domain.clock import Clock
from mockserver.domain.journal import Journal
from mockserver.domain.service import MockService
from mockserver.webhooks._queue import DueQueue
from mockserver.webhooks.delivery import INTERRUPTED, Attempt, Delivery
from mockserver.webhooks.signing import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, sign

if TYPE_CHECKING:  # httpx (~50 ms with what it pulls in) loads on the first delivery, not at startup
    import httpx

__all__ = ["Sender", "complaint", "finished", "in_sending_order", "keep_error"]

log = logging.getLogger("mockserver.jobs")

_MAX_KEPT_ERRORS = 100  # a pump failing every 100 ms must not grow state.errors forever


def keep_error(errors: list[BaseException], exc: BaseException) -> None:
    log.error("webhook pump failed", exc_info=exc)
    if len(errors) < _MAX_KEPT_ERRORS:
        errors.append(exc)


def finished(
    sending: dict[str, asyncio.Task[int]], key: str, errors: list[BaseException], task: asyncio.Task[int]
) -> None:
    if sending.get(key) is task:
        del sending[key]
    failure = None if task.cancelled() else task.exception()
    if failure is not None:
        keep_error(errors, failure)


def in_sending_order(group: list[Delivery], now: float) -> list[Delivery]:
    """Held (out-of-order) deliveries go once a later one is due too, newest first, or after `hold`."""
    held = [d for d in group if d.held]
    ready = [d for d in group if not d.held]
    if len(held) >= 2:
        released = held[::-1]
    else:
        released = [d for d in held if d.next_at is not None and now >= d.next_at + d.hold]
    return released + ready


def complaint(response: httpx.Response) -> str | None:
    status = response.status_code
    if 200 <= status < 300:
        return None
    if 300 <= status < 400:
        return f"answered {status}; redirects are not followed (Location: {response.headers.get('location', '-')})"
    return f"answered {status}"


class Sender:
    """The sending half of `WebhookDispatcher` (its base): what it sends, `WebhookDispatcher` keeps."""

    transport: httpx.AsyncBaseTransport | None
    timeout: float
    max_per_pump: int
    max_attempts: int
    secret: str | None
    _clock: Clock
    _service: MockService
    _journal: Journal
    _on_delivery: Callable[[Delivery], None] | None
    _deliveries: dict[int, Delivery]
    _queue: DueQueue
    _lock: threading.Lock
    _watching: bool

    def _write(self, delivery: Delivery) -> None:
        if self._on_delivery is not None:
            self._on_delivery(delivery)

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
                        for _ in self._service.sweeping():
                            await asyncio.sleep(0)  # let requests in between batches
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
        (a batch of theirs still in flight) wait for it. Costs what is due (`DueQueue`), not
        what is kept."""
        with self._lock:
            batches, budget = [], self.max_per_pump
            for group in self._queue.due(now, busy):
                batch = in_sending_order(group, now)[:budget]
                budget -= len(batch)
                for delivery in batch:
                    self._queue.take(delivery)
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
                with self._lock:
                    delivery.in_flight = False
                    if self._deliveries.get(delivery.id) is delivery:  # else reset while in flight
                        self._queue.schedule(delivery)  # its retry, or out of the queue if finished
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
