"""The store's schedule: a sweep moves on exactly the jobs a scan of every unfinished job would.

Two identical mocks run the same random timeline (submits under several scenarios, polls,
forces, clock steps); one sweeps through the schedule, the other reads every unfinished job as
the full scan did. Their transitions, in order, and their jobs must be the same at every step.
"""

from __future__ import annotations

import math
import random
from decimal import Decimal
from typing import Any

import pytest

from mockserver import OPERATOR, ApiError, MockConfig, VirtualClock, create_app, mock_controller, new_api_key
from mockserver.domain.jobs import Job, JobStatus, Phase, Transition, advance, next_due

BODY = {"model": "google/veo-3.1-lite", "prompt": "a cat", "duration": 4}
SCENARIOS = ["happy", "fast", "observed", "fail", "expire", "cancel", "slow-then-fail", "flaky-poll"]


class _Twin:
    def __init__(self, seed: int, max_jobs: int | None) -> None:
        self.clock = VirtualClock()
        app = create_app(MockConfig(seed=seed, max_jobs=max_jobs), clock=self.clock)
        self.control = mock_controller(app)
        self.service = app.instance.service  # the schedule is the service's own: tested against a full scan
        self.transitions: list[Transition] = []
        self.service.on_transition(lambda _job, transition: self.transitions.append(transition))
        self.keys = [new_api_key(f"schedule-{name}") for name in SCENARIOS]
        for key, name in zip(self.keys, SCENARIOS, strict=True):
            self.control.update_key(OPERATOR, key, scenario=name)

    def scan(self, tenant: str | None) -> None:
        """What a sweep did before the schedule: read every unfinished job, in store order."""
        for job_id in self.service.store.unfinished(tenant):
            self.service.inspect(None, job_id)

    def jobs(self) -> list[Job]:
        return sorted(self.service.store.jobs(), key=lambda job: job.id)


def _attempt(action: Any, *args: Any) -> str | None:
    """None, or the status of the API error `action(*args)` raised."""
    try:
        action(*args)
    except ApiError as exc:
        return f"{exc.status}"
    return None


@pytest.mark.parametrize("seed", range(12))
def test_sweeps_give_the_transitions_of_a_full_scan(seed: int) -> None:
    rng = random.Random(seed)
    max_jobs = rng.choice([None, 8, 30])
    scheduled, scanned = _Twin(seed, max_jobs), _Twin(seed, max_jobs)
    ids: list[tuple[str, str]] = []
    for _ in range(250):
        roll = rng.random()
        if roll < 0.3:
            key = rng.choice(scheduled.keys)
            job = scheduled.service.submit(key, dict(BODY))
            assert scanned.service.submit(key, dict(BODY)).id == job.id
            ids.append((key, job.id))
        elif roll < 0.6 and ids:
            key, job_id = rng.choice(ids[-4:])  # recent jobs: some reach their phase's poll count
            assert _attempt(scheduled.service.poll, key, job_id) == _attempt(scanned.service.poll, key, job_id)
        elif roll < 0.65 and ids:
            _key, job_id = rng.choice(ids)
            status = rng.choice([None, JobStatus.FAILED, JobStatus.COMPLETED])
            moves = [_attempt(twin.control.advance_job, OPERATOR, job_id, status) for twin in (scheduled, scanned)]
            assert moves[0] == moves[1]
        else:
            step = rng.choice([0.0, 0.5, 1.0, 2.0, 7.0, 30.0, 45.0, 300.0, 4000.0])
            scheduled.clock.advance(step)
            scanned.clock.advance(step)
            tenant = rng.choice([None, None, rng.choice(scheduled.keys)])
            scheduled.service.sweep(tenant)
            scanned.scan(tenant)
        assert scheduled.transitions == scanned.transitions
    assert scheduled.jobs() == scanned.jobs()
    assert len(scheduled.transitions) > 20  # the timeline did move jobs on


def _job(timeline: tuple[Phase, ...], phase: int, entered_at: float, polls_in_phase: int) -> Job:
    return Job("j", "k", "m", "s", 0.0, timeline, "{}", "16:9", Decimal(0), "g", phase, entered_at, polls_in_phase)


def test_next_due_is_exactly_when_advance_moves_a_job_on() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        phases = []
        for status in (JobStatus.PENDING, JobStatus.IN_PROGRESS):
            seconds = rng.choice([None, 0.0, round(rng.uniform(0, 50), 3)])
            polls = rng.choice([None, 0, rng.randint(1, 4)]) if seconds is None else rng.choice([None, 2])
            phases.append(Phase(status, seconds if seconds is not None or polls is not None else 10.0, polls))
        timeline = (*phases, Phase(JobStatus.COMPLETED))
        phase = rng.randint(0, 2)
        job = _job(timeline, phase, round(rng.uniform(0, 100), 3), rng.randint(0, 5))
        due = next_due(job)
        exactly = [due] if due is not None and due > -math.inf else []
        for now in (job.entered_at, job.entered_at + rng.uniform(0, 60), 10_000.0, *exactly):
            moved = bool(advance(job, now)[1])
            assert moved == (due is not None and now >= due), (job, now, due)


def test_an_idle_sweep_touches_no_job() -> None:
    twin = _Twin(0, None)
    for _ in range(200):
        twin.service.submit(twin.keys[0], dict(BODY))  # happy: nothing is due for 40 s
    before = {job.id: job for job in twin.service.store.jobs()}
    twin.clock.advance(1)
    assert twin.service.store.come_due(None, twin.clock.now()) == []
    twin.control.advance_clock(OPERATOR, 1)
    after = {job.id: job for job in twin.service.store.jobs()}
    assert all(after[job_id] is job for job_id, job in before.items())  # not even rebuilt
    twin.clock.advance(600)
    assert len(twin.service.store.come_due(None, twin.clock.now())) == 200


def test_the_schedule_stays_bounded_when_nobody_sweeps() -> None:
    twin = _Twin(0, 50)  # a flood past max_jobs: every submit retires a job, polls move jobs on
    for _ in range(3000):
        job = twin.service.submit(twin.keys[1], dict(BODY))
        twin.service.poll(twin.keys[1], job.id)
        twin.clock.advance(0.7)
    store = twin.service.store
    assert store.schedule_size() <= 4 * len(store) + 64
    twin.clock.advance(3600)
    twin.service.sweep()
    assert store.unfinished() == []
    assert store.come_due(None, math.inf) == []


def _due_twins(count: int) -> tuple[_Twin, _Twin]:
    twins = _Twin(0, None), _Twin(0, None)
    for twin in twins:
        for index in range(count):
            twin.service.submit(twin.keys[index % 3], dict(BODY))  # happy, fast, observed
        twin.clock.advance(3600)
    return twins


def test_a_sweep_in_batches_moves_the_jobs_of_one_sweep_in_the_same_order() -> None:
    batched, whole = _due_twins(300)
    pauses = sum(1 for _ in batched.service.sweeping(batch=128))
    whole.service.sweep()
    assert pauses == 2  # 128 + 128 + 44: a pause between batches, none after the last
    assert len(whole.transitions) >= 300
    assert batched.transitions == whole.transitions
    assert batched.jobs() == whole.jobs()
    assert batched.service.store.unfinished() == []


def test_a_read_between_batches_moves_its_job_once() -> None:
    batched, whole = _due_twins(10)
    last = batched.service.store.unfinished()[-1]
    sweep = batched.service.sweeping(batch=4)
    next(sweep)
    batched.service.inspect(None, last)  # a request between batches catches the job up itself
    assert list(sweep) == [None]  # the second pause; the third batch ends it
    whole.service.inspect(None, whole.service.store.unfinished()[-1])
    whole.service.sweep()
    assert sorted(batched.transitions) == sorted(whole.transitions)  # no transition twice
    assert batched.jobs() == whole.jobs()


def test_a_sweep_stopped_between_batches_leaves_the_rest_due() -> None:
    twin = _due_twins(10)[0]
    sweep = twin.service.sweeping(batch=4)
    next(sweep)
    sweep.close()  # its task cancelled (a shutdown): the 6 jobs it did not reach go back on the schedule
    assert len({transition.job_id for transition in twin.transitions}) == 4
    assert len(twin.service.store.come_due(None, twin.clock.now())) == 6
