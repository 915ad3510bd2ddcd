"""The pump's queue takes exactly what a scan of every kept delivery took.

A random timeline runs on one mock (submits under the webhook scenarios, jobs forced, blocked
hosts, clock steps, receivers that fail, batches left in flight so their key is busy, pruning,
restores, resets); before each take the full scan the pump did before the queue says what it
would send (over `deliveries()`), and the queue must give the same batches in the same order.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
from collections import defaultdict
from collections.abc import Collection

import httpx
import pytest

from mockserver import OPERATOR, ApiError, JobStatus, MockConfig, VirtualClock, create_app, mock_controller, new_api_key
from mockserver.webhooks._sending import in_sending_order
from mockserver.webhooks.delivery import Delivery
from tests.mockserver.helpers import SEED_000_BODY
from tests.mockserver.hooks import HOOK

SCENARIOS = ["fast", "fail", "webhook-out-of-order", "webhook-early", "webhook-late", "webhook-duplicate"]
BLOCKED = "https://example.com/hook"  # neither loopback nor allowed: kept as "blocked", never queued
STEPS = [0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 4000.0]


def scan(deliveries: list[Delivery], now: float, busy: Collection[str], budget: int) -> list[list[int]]:
    """The ids `_take_due` took before the queue, looking at every kept delivery."""
    by_tenant: dict[str, list[Delivery]] = defaultdict(list)
    for delivery in deliveries:
        if delivery.due(now) and delivery.tenant not in busy:
            by_tenant[delivery.tenant].append(delivery)
    batches = []
    for group in by_tenant.values():
        batch = in_sending_order(group, now)[:budget]
        budget -= len(batch)
        if batch:
            batches.append([delivery.id for delivery in batch])
    return batches


@pytest.mark.parametrize("seed", range(10))
def test_the_queue_takes_what_a_scan_of_every_delivery_took(seed: int) -> None:
    rng = random.Random(seed)
    clock = VirtualClock()
    app = create_app(MockConfig(seed=seed, webhook_max_attempts=3), clock=clock)
    control, service, webhooks = mock_controller(app), app.instance.service, app.instance.webhooks
    webhooks.max_per_pump = rng.choice([1, 3, 32])
    webhooks.max_kept = 12  # pruned every few finished deliveries

    def receive(request: httpx.Request) -> httpx.Response:
        roll = rng.random()
        if roll < 0.15:
            raise httpx.ConnectError("refused")
        return httpx.Response(500 if roll < 0.35 else 200)

    transport = httpx.MockTransport(receive)
    keys = [new_api_key(f"queue-{name}") for name in SCENARIOS]
    for key, name in zip(keys, SCENARIOS, strict=True):
        control.update_key(OPERATOR, key, scenario=name)
    jobs: list[str] = []
    in_flight: dict[str, list[Delivery]] = {}  # key -> its batch taken but not yet sent
    taken: list[int] = []

    def send(batch: list[Delivery]) -> None:
        asyncio.run(webhooks._send_batch(transport, batch))

    for _ in range(300):
        roll = rng.random()
        if roll < 0.3:
            url = BLOCKED if rng.random() < 0.1 else HOOK
            jobs.append(control.submit(rng.choice(keys), {**SEED_000_BODY, "callback_url": url}).id)
        elif roll < 0.4 and jobs:
            status = rng.choice([None, JobStatus.FAILED, JobStatus.COMPLETED])
            with contextlib.suppress(ApiError):  # already terminal
                control.advance_job(OPERATOR, rng.choice(jobs[-3:]), status)  # recent: some early ones unsent
        elif roll < 0.52 and in_flight:
            send(in_flight.pop(rng.choice(sorted(in_flight))))
        elif roll < 0.54 and not in_flight:  # a restart: the same records, as a state file gives them
            copies = [dataclasses.replace(d, attempts=list(d.attempts)) for d in webhooks.deliveries()]
            webhooks.restore(copies, service.store.jobs())
        elif roll < 0.545:
            control.reset(OPERATOR)  # batches in flight finish for nobody
            jobs.clear()
        else:
            clock.advance(rng.choice(STEPS))
            service.sweep()  # as the pump does first: it may make deliveries
            now, busy = clock.now(), set(in_flight)
            expected = scan(webhooks.deliveries(), now, busy, webhooks.max_per_pump)
            batches = webhooks._take_due(now, busy)
            assert [[d.id for d in batch] for batch in batches] == expected
            for batch in batches:
                taken += [d.id for d in batch]
                if rng.random() < 0.3:
                    in_flight[batch[0].tenant] = batch
                else:
                    send(batch)
        queued = [d for d in webhooks.deliveries() if d.state == "pending" and not d.in_flight]
        assert webhooks._queue.size() == len(queued)
    assert len(taken) > 20 and len(set(taken)) < len(taken)  # it sent, and retried
    assert not control.errors
