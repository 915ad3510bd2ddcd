"""Credits per key: every submit pays the catalog price, 402 when it cannot, failures refunded."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from faker import Faker

from mockserver import OPERATOR, new_api_key
from mockserver.domain.ledger import InsufficientCredits, Ledger
from tests.mockserver.helpers import SEED_000_BODY, Api, assert_envelope

# Catalog prices (api-facts): veo-3.1-lite 720p without audio 0.03/s, wan-2.7 0.1/s, hailuo 0.0817/s.
BODIES: list[tuple[dict[str, Any], Decimal]] = [
    (SEED_000_BODY, Decimal("0.12")),
    ({"model": "alibaba/wan-2.7", "prompt": "a fox", "duration": 5}, Decimal("0.5")),
    ({"model": "minimax/hailuo-2.3", "prompt": "rain", "duration": 6}, Decimal("0.4902")),
]


def usage_cost(api: Api, job_id: str) -> Decimal:
    body = api.poll(job_id).json()
    assert body["status"] == "completed", body
    return Decimal(str(body["usage"]["cost"]))


def test_spending_down_gets_402_on_exactly_the_first_job_it_cannot_afford(
    make_api: Callable[..., Api], fake: Faker
) -> None:
    credits = Decimal("3.00")
    api = make_api(credits=credits)
    balance, accepted, refused_at = credits, [], None
    for n in range(40):
        body, price = BODIES[fake.random_int(0, len(BODIES) - 1)]
        response = api.submit(body)
        if price > balance:
            refused_at = n
            error = assert_envelope(response, 402)
            assert error["message"] == "Insufficient credits. Add more using https://modelgates.ai/credits"
            assert error["metadata"]["error_type"] == "payment_required"
            assert Decimal(error["metadata"]["balance"]) == balance
            assert Decimal(error["metadata"]["cost"]) == price
            break
        assert response.status_code == 202, response.text
        accepted.append(response.json()["id"])
        balance -= price
    assert refused_at is not None and refused_at == len(accepted)
    assert api.control.job_count == len(accepted)  # the refused submit created nothing
    api.clock.advance(3600)
    costs = sum((usage_cost(api, job_id) for job_id in accepted), Decimal(0))
    ledger = api.instance.service.ledger
    assert costs == ledger.spent(api.key) == credits - balance
    assert ledger.balance(api.key) == balance


def test_a_job_costing_exactly_the_balance_is_accepted_and_leaves_zero(make_api: Callable[..., Api]) -> None:
    api = make_api(credits=Decimal("0.24"))
    assert api.submit().status_code == 202
    assert api.submit().status_code == 202
    assert api.control.balance(api.key) == 0
    assert_envelope(api.submit(), 402)


def test_failed_cancelled_and_expired_jobs_are_refunded(make_api: Callable[..., Api]) -> None:
    api = make_api(credits=Decimal("1"))
    ids = [api.job_id(None, **{"X-Mock-Scenario": name}) for name in ("fail", "cancel", "expire")]
    ledger = api.instance.service.ledger
    assert ledger.balance(api.key) == Decimal("1") - 3 * Decimal("0.12")
    api.clock.advance(24 * 3600)
    assert {api.poll(job_id).json()["status"] for job_id in ids} == {"failed", "cancelled", "expired"}
    assert ledger.balance(api.key) == Decimal("1")
    assert ledger.spent(api.key) == 0
    assert [e.kind for e in ledger.entries(api.key)] == ["charge"] * 3 + ["refund"] * 3


def test_refund_happens_once_even_when_the_job_is_read_many_times(make_api: Callable[..., Api]) -> None:
    api = make_api("fail", credits=Decimal("1"))
    job_id = api.job_id()
    api.clock.advance(3600)
    for _ in range(5):
        assert api.poll(job_id).json()["status"] == "failed"
    assert [e.kind for e in api.control.ledger(api.key)] == ["charge", "refund"]


def test_a_forced_failure_is_refunded_too(make_api: Callable[..., Api]) -> None:
    api = make_api(credits=Decimal("1"))
    job_id = api.job_id()
    api.control.advance_job(OPERATOR, job_id, error="Content policy violation")
    assert api.control.balance(api.key) == Decimal("1")


def test_keys_have_separate_balances(make_api: Callable[..., Api]) -> None:
    api = make_api(credits=Decimal("0.12"))
    other = new_api_key("other")
    assert api.submit().status_code == 202
    assert_envelope(api.submit(), 402)
    assert api.submit(key=other).status_code == 202
    assert api.control.balance(other) == 0


def test_unlimited_by_default_but_every_charge_is_recorded(api: Api) -> None:
    for _ in range(3):
        assert api.submit().status_code == 202
    ledger = api.instance.service.ledger
    assert ledger.balance(api.key) is None
    assert ledger.spent(api.key) == Decimal("0.36")


def test_reset_forgets_balances_and_history(make_api: Callable[..., Api]) -> None:
    api = make_api(credits=Decimal("0.12"))
    api.submit()
    api.control.reset(OPERATOR)
    assert api.control.ledger() == []
    assert api.submit().status_code == 202


def test_scenario_402_faults_come_before_the_ledger_and_charge_nothing(make_api: Callable[..., Api]) -> None:
    api = make_api("insufficient-credits", credits=Decimal("5"))
    assert_envelope(api.submit(), 402)
    assert api.control.ledger() == []


def test_ledger_refuses_without_changing_anything() -> None:
    ledger = Ledger(Decimal("1"))
    ledger.charge("k", "a", Decimal("0.6"), 0.0)
    with pytest.raises(InsufficientCredits) as refused:
        ledger.charge("k", "b", Decimal("0.6"), 1.0)
    assert (refused.value.balance, refused.value.cost) == (Decimal("0.4"), Decimal("0.6"))
    assert ledger.balance("k") == Decimal("0.4")
    assert len(ledger.entries("k")) == 1


def test_set_balance_replaces_the_balance_and_none_means_unlimited() -> None:
    ledger = Ledger(Decimal("1"))
    ledger.set_balance("k", Decimal("0"), 0.0)
    with pytest.raises(InsufficientCredits):
        ledger.charge("k", "a", Decimal("0.01"), 1.0)
    ledger.set_balance("k", None, 2.0)
    ledger.charge("k", "a", Decimal("1000"), 3.0)
    assert ledger.balance("k") is None
    assert ledger.entries("k")[-1].summary()["amount"] == "-1000"


def test_history_is_a_ring_buffer_but_balances_and_spend_stay_exact() -> None:
    ledger = Ledger(Decimal("10"), history=4)
    for n in range(6):
        ledger.charge("k", f"job{n}", Decimal("0.12"), float(n))
    ledger.refund("k", "job0", Decimal("0.12"), 6.0)
    ledger.charge("other", "x", Decimal("1"), 7.0)
    assert [e.job_id for e in ledger.entries()] == ["job4", "job5", "job0", "x"]
    assert [e.seq for e in ledger.entries("k")] == [5, 6, 7]
    assert ledger.spent("k") == Decimal("0.60") and ledger.balance("k") == Decimal("9.40")
    assert ledger.spent("other") == Decimal("1") and ledger.spent("nobody") == 0


def test_restore_keeps_the_newest_entries_and_totals_from_all_of_them() -> None:
    source = Ledger(None)
    for n in range(5):
        source.charge("k", f"job{n}", Decimal("0.5"), float(n))
    source.set_balance("k", Decimal("2"), 5.0)
    restored = Ledger(None, history=3)
    restored.restore(list(reversed(source.entries())))
    assert [e.seq for e in restored.entries()] == [4, 5, 6]
    assert restored.spent("k") == Decimal("2.5") and restored.balance("k") == Decimal("2")
    assert restored.charge("k", "next", Decimal("0.5"), 6.0).seq == 7
