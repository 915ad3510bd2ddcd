"""The retry decision as a table: no I/O, no clock, a seeded random source."""

from __future__ import annotations

import random

import httpx
import pytest

from client._core import classify
from client._retry import Failure, Outcome, RetryPolicy, decide, parse_retry_after

POLICY = RetryPolicy(max_retries=3, initial_delay=0.5, max_delay=8.0, max_retry_after=60.0)
NO_JITTER = RetryPolicy(max_retries=10, jitter=0.0)

READ, SUBMIT = True, False
GIVE_UP = None


class FixedRandom(random.Random):
    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


@pytest.mark.parametrize(
    ("outcome", "idempotent", "expected"),
    [
        pytest.param(Outcome(status=429, retry_after=2.0), READ, 2.0, id="read-429-retry-after"),
        pytest.param(Outcome(status=429, retry_after=2.0), SUBMIT, 2.0, id="submit-429-retry-after"),
        pytest.param(Outcome(status=429), SUBMIT, 0.5, id="submit-429-no-hint-backoff"),
        pytest.param(Outcome(status=429, retry_after=0.0), READ, 0.0, id="retry-after-zero"),
        pytest.param(Outcome(status=429, retry_after=60.0), READ, 60.0, id="retry-after-at-cap"),
        pytest.param(Outcome(status=429, retry_after=61.0), READ, GIVE_UP, id="retry-after-over-cap"),
        pytest.param(Outcome(status=500), READ, 0.5, id="read-500"),
        pytest.param(Outcome(status=502), READ, 0.5, id="read-502"),
        pytest.param(Outcome(status=503, retry_after=3.0), READ, 0.5, id="read-503-hint-ignored"),
        pytest.param(Outcome(status=500), SUBMIT, GIVE_UP, id="submit-500-never"),
        pytest.param(Outcome(status=502), SUBMIT, GIVE_UP, id="submit-502-never"),
        pytest.param(Outcome(status=503), SUBMIT, GIVE_UP, id="submit-503-never"),
        pytest.param(Outcome(failure=Failure.NOT_SENT), READ, 0.5, id="read-connect-error"),
        pytest.param(Outcome(failure=Failure.NOT_SENT), SUBMIT, 0.5, id="submit-connect-error"),
        pytest.param(Outcome(failure=Failure.MAYBE_SENT), READ, 0.5, id="read-read-timeout"),
        pytest.param(Outcome(failure=Failure.MAYBE_SENT), SUBMIT, GIVE_UP, id="submit-read-timeout"),
        pytest.param(Outcome(), READ, GIVE_UP, id="unclassified-failure"),
        pytest.param(Outcome(status=400), READ, GIVE_UP, id="400"),
        pytest.param(Outcome(status=401), READ, GIVE_UP, id="401"),
        pytest.param(Outcome(status=402), SUBMIT, GIVE_UP, id="402"),
        pytest.param(Outcome(status=404), READ, GIVE_UP, id="404"),
        pytest.param(Outcome(status=416), READ, GIVE_UP, id="416"),
    ],
)
def test_first_retry(outcome: Outcome, idempotent: bool, expected: float | None) -> None:
    delay = decide(NO_JITTER, 0, outcome, idempotent=idempotent, rng=random.Random(0))
    assert delay == expected


@pytest.mark.parametrize(
    ("attempt", "expected"),
    [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 8.0), (9, 8.0), (10, GIVE_UP)],
)
def test_backoff_doubles_up_to_the_cap_then_gives_up(attempt: int, expected: float | None) -> None:
    outcome = Outcome(status=500)
    assert decide(NO_JITTER, attempt, outcome, idempotent=True, rng=random.Random(0)) == expected


@pytest.mark.parametrize(
    ("attempt", "outcome"),
    [(3, Outcome(status=500)), (3, Outcome(status=429, retry_after=1.0)), (4, Outcome(status=429))],
)
def test_max_retries_bounds_every_outcome(attempt: int, outcome: Outcome) -> None:
    assert decide(POLICY, attempt, outcome, idempotent=True, rng=random.Random(0)) is None


@pytest.mark.parametrize(("draw", "expected"), [(0.0, 2.0), (0.5, 1.75), (0.999, 1.5005)])
def test_jitter_shortens_backoff_by_at_most_a_quarter(draw: float, expected: float) -> None:
    delay = decide(POLICY, 2, Outcome(status=500), idempotent=True, rng=FixedRandom(draw))
    assert delay == pytest.approx(expected)


def test_jitter_never_touches_the_servers_retry_after() -> None:
    outcome = Outcome(status=429, retry_after=2.0)
    assert decide(POLICY, 0, outcome, idempotent=True, rng=FixedRandom(0.9)) == 2.0


def test_same_seed_same_delays() -> None:
    def delays(seed: int) -> list[float | None]:
        rng = random.Random(seed)
        return [decide(POLICY, n, Outcome(status=500), idempotent=True, rng=rng) for n in range(3)]

    assert delays(7) == delays(7)


def test_zero_retries_never_retries() -> None:
    policy = RetryPolicy(max_retries=0)
    outcome = Outcome(failure=Failure.NOT_SENT)
    assert decide(policy, 0, outcome, idempotent=True, rng=random.Random(0)) is None


@pytest.mark.parametrize(
    ("value", "date", "expected"),
    [
        ("2", None, 2.0),
        ("0", None, 0.0),
        ("1.5", None, 1.5),
        ("-1", None, None),
        ("nan", None, None),
        ("inf", None, None),
        ("soon", None, None),
        (None, None, None),
        ("Wed, 21 Oct 2026 07:28:30 GMT", "Wed, 21 Oct 2026 07:28:00 GMT", 30.0),
        ("Wed, 21 Oct 2026 07:28:00 GMT", "Wed, 21 Oct 2026 07:28:30 GMT", 0.0),
        ("Wed, 21 Oct 2026 07:28:30 GMT", None, None),
        ("Wed, 21 Oct 2026 07:28:30 GMT", "garbage", None),
    ],
)
def test_parse_retry_after(value: str | None, date: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, date) == expected


REQUEST = httpx.Request("POST", "https://api.example.test/api/v1/videos")


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (httpx.ConnectError("refused", request=REQUEST), Failure.NOT_SENT),
        (httpx.ConnectTimeout("slow", request=REQUEST), Failure.NOT_SENT),
        (httpx.PoolTimeout("busy", request=REQUEST), Failure.NOT_SENT),
        (httpx.ReadTimeout("slow", request=REQUEST), Failure.MAYBE_SENT),
        (httpx.WriteTimeout("slow", request=REQUEST), Failure.MAYBE_SENT),
        (httpx.ReadError("reset", request=REQUEST), Failure.MAYBE_SENT),
        (httpx.WriteError("reset", request=REQUEST), Failure.MAYBE_SENT),
        (httpx.RemoteProtocolError("dropped", request=REQUEST), Failure.MAYBE_SENT),
        (httpx.UnsupportedProtocol("ftp", request=REQUEST), None),
        (httpx.LocalProtocolError("bad header", request=REQUEST), None),
        (httpx.TooManyRedirects("loop", request=REQUEST), None),
    ],
)
def test_classify_transport_errors(exc: httpx.RequestError, expected: Failure | None) -> None:
    assert classify(exc) is expected
