"""The pump's queue: which pending deliveries are due, found without looking at the others.

A heap of (next_at, entry, delivery) holds the pending deliveries not yet due, one live entry
each (`_live` holds its number; other entries are stale and dropped when they surface), and,
per API key, a pool of those that came due and wait: held for reordering, behind their key's
batch in flight, or past the pump's budget. A tick with nothing due reads the heap's top and an
empty pool; the finished deliveries kept for the listing are never looked at. Not thread-safe:
the dispatcher calls it under its lock.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Collection, Iterable

from mockserver.webhooks.delivery import Delivery

__all__ = ["DueQueue"]


class DueQueue:
    """The pending deliveries of one dispatcher, by when they are next due."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Delivery]] = []
        self._live: dict[int, int] = {}  # delivery id -> its live heap entry's number
        self._entries = itertools.count()  # unique numbers: equal times never compare deliveries
        self._waiting: dict[str, dict[int, Delivery]] = {}  # per key: came due, not yet sent

    def clear(self) -> None:
        self._heap.clear()
        self._live.clear()
        self._waiting.clear()

    def load(self, deliveries: Iterable[Delivery]) -> None:
        """Start over with `deliveries` (a restore): the pending ones are queued at their time."""
        self.clear()
        for delivery in deliveries:
            if (at := _queued_at(delivery)) is not None:
                self._live[delivery.id] = entry = next(self._entries)
                self._heap.append((at, entry, delivery))
        heapq.heapify(self._heap)

    def schedule(self, delivery: Delivery) -> None:
        """Queue `delivery` anew after it was kept or changed (its time, its state, an attempt
        over): at its `next_at` while pending; finished, it leaves the queue."""
        pool = self._waiting.get(delivery.tenant)
        if pool is not None and pool.pop(delivery.id, None) is not None and not pool:
            del self._waiting[delivery.tenant]
        self._live.pop(delivery.id, None)  # an entry of its old time is stale now
        if (at := _queued_at(delivery)) is not None:
            self._live[delivery.id] = entry = next(self._entries)
            heapq.heappush(self._heap, (at, entry, delivery))
            if len(self._heap) > 2 * len(self._live) + 64:  # stale entries of far-off times
                self._heap = [item for item in self._heap if self._live.get(item[2].id) == item[1]]
                heapq.heapify(self._heap)

    def due(self, now: float, busy: Collection[str] = ()) -> list[list[Delivery]]:
        """The deliveries due at `now`, per key in the order they were made (by id), keys in the
        order of their oldest due one; keys in `busy` are passed over without a look. They stay
        queued until `take` (or `schedule`)."""
        heap = self._heap
        while heap and heap[0][0] <= now:
            _at, entry, delivery = heapq.heappop(heap)
            if self._live.get(delivery.id) == entry:
                del self._live[delivery.id]
                self._waiting.setdefault(delivery.tenant, {})[delivery.id] = delivery
        groups = []
        for tenant, pool in self._waiting.items():
            if tenant not in busy:
                group = sorted((d for d in pool.values() if d.due(now)), key=_by_id)
                if group:
                    groups.append(group)
        groups.sort(key=lambda group: group[0].id)
        return groups

    def take(self, delivery: Delivery) -> None:
        """`delivery` goes out now: in flight and out of the queue, until `schedule` after it."""
        delivery.in_flight = True
        pool = self._waiting[delivery.tenant]
        del pool[delivery.id]
        if not pool:
            del self._waiting[delivery.tenant]

    def size(self) -> int:
        """Deliveries queued: pending, not in flight (those due and waiting included)."""
        return len(self._live) + sum(len(pool) for pool in self._waiting.values())

    def entries(self) -> int:
        """Heap entries, live and stale (at most about twice the deliveries in the heap)."""
        return len(self._heap)


def _queued_at(delivery: Delivery) -> float | None:
    """When a pending delivery not in flight is next due; None: it has no place in the queue."""
    return delivery.next_at if delivery.state == "pending" and not delivery.in_flight else None


def _by_id(delivery: Delivery) -> int:
    return delivery.id
