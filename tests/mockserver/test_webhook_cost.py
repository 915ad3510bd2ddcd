"""A pump tick costs what is due: the finished and far-off deliveries kept are never looked at.

Cost is counted, not timed: a spy on `Delivery.due`, which every delivery a pump considers is
asked (a scan of every kept delivery asked it 10,000 times a tick).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mockserver.webhooks._queue import DueQueue
from mockserver.webhooks.delivery import Attempt, Delivery
from tests.mockserver.hooks import HOOK, Hooks

DAY = 86_400.0


@pytest.fixture
def looked_at(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Ids of the deliveries asked `due()`, in order."""
    seen: list[int] = []
    due = Delivery.due

    def spy(self: Delivery, now: float) -> bool:
        seen.append(self.id)
        return due(self, now)

    monkeypatch.setattr(Delivery, "due", spy)
    return seen


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    hooks = Hooks("fast")
    yield hooks
    assert not hooks.control.errors
    hooks.close()


def _delivery(number: int, tenant: str, next_at: float | None) -> Delivery:
    return Delivery(
        id=number,
        job_id=f"job-{number}",
        tenant=tenant,
        url=HOOK,
        type="video.generation.completed",
        idempotency_key=f"job-{number}-completed",
        body=b"{}",
        next_at=next_at,
    )


def _kept(count: int, tenant: str, now: float) -> list[Delivery]:
    """Half delivered, half pending ten days from `now` (as a state file's restore gives them)."""
    kept = []
    for number in range(1, count + 1):
        delivery = _delivery(number, tenant, now + 10 * DAY + number)
        if number % 2:
            delivery.state, delivery.next_at = "delivered", None
            delivery.attempts.append(Attempt(1, now, 200, None))
        kept.append(delivery)
    return kept


def test_a_pump_with_nothing_due_looks_at_none_of_10_000_kept_deliveries(hooks: Hooks, looked_at: list[int]) -> None:
    webhooks = hooks.instance.webhooks
    webhooks.restore(_kept(10_000, hooks.key, hooks.clock.now()), jobs=[])
    hooks.job_id()  # fast: ends 3 s from now
    assert hooks.run(1) == 0 and looked_at == []
    assert hooks.run(2) == 1  # the one that came due, and only it, was looked at
    [sent] = [d for d in webhooks.deliveries() if d.id > 10_000]
    assert sent.state == "delivered" and looked_at == [sent.id]
    assert hooks.run(60) == 0 and looked_at == [sent.id]
    assert len(webhooks.deliveries()) == 10_001


def test_a_far_off_delivery_is_sent_when_its_time_comes(hooks: Hooks, looked_at: list[int]) -> None:
    """The control for the test above: the kept pending ones are queued, not lost."""
    webhooks = hooks.instance.webhooks
    webhooks.restore(_kept(10, hooks.key, hooks.clock.now()), jobs=[])
    assert hooks.run(10 * DAY) == 0
    assert hooks.run(2) == 1 and looked_at == [2]
    assert hooks.run(8) == 4 and looked_at == [2, 4, 6, 8, 10]
    assert {d.state for d in webhooks.deliveries()} == {"delivered"}


def test_a_busy_keys_due_deliveries_are_passed_over_without_a_look(looked_at: list[int]) -> None:
    queue = DueQueue()
    for number in range(1, 1001):
        queue.schedule(_delivery(number, "sk-hanging", 100.0))
    queue.schedule(_delivery(1001, "sk-prompt", 100.0))
    assert [[d.id for d in group] for group in queue.due(200.0, busy={"sk-hanging"})] == [[1001]]
    assert queue.due(200.0, busy={"sk-hanging", "sk-prompt"}) == []
    assert looked_at == [1001]
    assert len(queue.due(200.0)[0]) == 1000  # not lost: due once its key is free


def test_stale_entries_of_a_rescheduled_delivery_do_not_pile_up() -> None:
    queue, delivery = DueQueue(), _delivery(1, "sk-a", None)
    for step in range(1000):
        delivery.next_at = 1000.0 - step  # each time sooner: the old entry stays, stale
        queue.schedule(delivery)
    assert queue.size() == 1 and queue.entries() <= 66
    assert [[d.id for d in group] for group in queue.due(1.0)] == [[1]] and queue.size() == 1
