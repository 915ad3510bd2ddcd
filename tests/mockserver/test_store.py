"""The job store's ids: seeded, uniform over letters and digits, never reused."""

from __future__ import annotations

import string
from collections import Counter

from mockserver.domain.store import JobStore


def test_ids_are_twenty_letters_and_digits_and_the_same_seed_gives_the_same_sequence() -> None:
    first, second = JobStore(seed=3), JobStore(seed=3)
    drawn = [first.new_ids() for _ in range(3000)]  # many refills of the drawn characters
    assert drawn == [second.new_ids() for _ in range(3000)]
    assert JobStore(seed=4).new_ids() != drawn[0]
    ids = [part for pair in drawn for part in pair]
    assert all(len(i) == 20 and set(i) <= set(string.ascii_letters + string.digits) for i in ids)
    assert len(set(ids)) == len(ids)


def test_every_character_is_about_equally_likely() -> None:
    store = JobStore(seed=0)
    counts = Counter("".join(part for _ in range(5000) for part in store.new_ids()))
    assert len(counts) == 62
    expected = 200_000 / 62
    assert all(abs(count - expected) < 0.1 * expected for count in counts.values())


def test_a_reset_starts_the_sequence_over() -> None:
    store = JobStore(seed=1)
    before = [store.new_ids() for _ in range(60)]
    store.reset()
    assert [store.new_ids() for _ in range(60)] == before
