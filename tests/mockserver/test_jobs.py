"""The lifecycle as plain tables: no HTTP, no clock object, just (job, now) → job."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mockserver.domain.jobs import Job, JobStatus, Phase, advance, counted, force

P, R, C, F = JobStatus.PENDING, JobStatus.IN_PROGRESS, JobStatus.COMPLETED, JobStatus.FAILED


def make_job(*phases: Phase) -> Job:
    return Job(
        id="J" * 20,
        tenant="k",
        model="m",
        scenario="s",
        created_at=100.0,
        timeline=phases,
        request_json="{}",
        aspect_ratio="16:9",
        cost=Decimal("0.2"),
        generation_suffix="G" * 20,
        entered_at=100.0,
    )


TIMED = (Phase(P, seconds=10), Phase(R, seconds=30), Phase(C))


@pytest.mark.parametrize(
    ("now", "status"),
    [(100.0, P), (109.999, P), (110.0, R), (139.9, R), (140.0, C), (10_000.0, C)],
)
def test_timed_timeline_status_at(now: float, status: JobStatus) -> None:
    job, _ = advance(make_job(*TIMED), now)
    assert job.status is status


def test_catch_up_over_several_phases_reports_each_transition_at_its_own_time() -> None:
    job, transitions = advance(make_job(*TIMED), 500.0)
    assert [(t.old, t.new, t.at) for t in transitions] == [(P, R, 110.0), (R, C, 140.0)]
    assert job.entered_at == 140.0


@pytest.mark.parametrize(("polls", "status"), [(0, P), (1, P), (4, P), (5, C), (9, C)])
def test_poll_counted_phase_changes_on_the_poll_after_the_count(polls: int, status: JobStatus) -> None:
    # "pending x4 polls then completed": polls 1-4 see pending, poll 5 sees completed.
    job = make_job(Phase(P, polls=4), Phase(C))
    seen = []
    for _ in range(polls):
        job, _ = advance(job, 100.0, polled=True)
        seen.append(job.status)
    assert (seen[-1] if seen else job.status) is status


def test_seconds_or_polls_whichever_comes_first() -> None:
    job = make_job(Phase(P, seconds=41, polls=4), Phase(C))
    assert advance(job, 141.0)[0].status is C
    assert advance(job, 120.0)[0].status is P


def test_generation_id_appears_once_processed_with_the_unix_second_it_happened() -> None:
    job, _ = advance(make_job(*TIMED), 105.0)
    assert job.generation_id is None
    job, _ = advance(job, 111.0)
    assert job.generation_id == "gen-vid-110-" + "G" * 20
    # Caught up over several phases at once: still the second it left pending.
    assert advance(make_job(*TIMED), 500.0)[0].generation_id == "gen-vid-110-" + "G" * 20


def test_a_read_that_changes_nothing_returns_the_same_job() -> None:
    # The store writes (and persists) a job only when `advance` returns a new one.
    job = make_job(*TIMED)
    assert advance(job, 105.0)[0] is job
    assert advance(job, 105.0, polled=True)[0] is not job


@pytest.mark.parametrize(
    ("end", "error"),
    [
        (Phase(F), "Provider returned error"),
        (Phase(F, error="Content policy violation"), "Content policy violation"),
        (Phase(JobStatus.CANCELLED), "Job was cancelled"),
        (Phase(JobStatus.EXPIRED), "Job exceeded maximum time to live"),
        (Phase(C), None),
    ],
)
def test_terminal_error_text(end: Phase, error: str | None) -> None:
    job, _ = advance(make_job(Phase(P, seconds=1), end), 200.0)
    assert job.error == error
    assert job.outputs == (1 if end.status is C else 0)


def test_status_is_monotonic_over_any_sequence_of_reads() -> None:
    job = make_job(*TIMED)
    ranks = []
    for now in (100, 105, 111, 111, 120, 139, 141, 500):
        job, _ = advance(job, float(now), polled=True)
        ranks.append(job.status.rank)
    assert ranks == sorted(ranks)


_TIMES = (100.0, 104.0, 110.0, 125.0, 140.0, 1000.0)  # before, at and after each phase boundary


@pytest.mark.parametrize(("earlier", "later"), [(a, b) for a in _TIMES for b in _TIMES if a <= b])
def test_advance_is_a_function_of_the_job_and_the_time(earlier: float, later: float) -> None:
    # `Job` is immutable, so "does not mutate its input" is given; what can break is the result:
    # the input must come back unchanged in every field, and catching up in two steps must land
    # exactly where one step to the later time does (same job, same transitions, same times).
    job = make_job(*TIMED)
    fields = job._asdict()
    once, once_transitions = advance(job, later)
    first, first_transitions = advance(job, earlier)
    twice, second_transitions = advance(first, later)
    assert job._asdict() == fields
    assert twice == once and first_transitions + second_transitions == once_transitions
    assert advance(once, later) == (once, [])  # nothing left to catch up on: the same job back
    polled, _ = advance(job, earlier, polled=True)
    assert polled is not job and polled.polls == job.polls + 1 and job._asdict() == fields


@pytest.mark.parametrize(
    ("target", "error", "expected", "final_error"),
    [(None, None, R, None), (C, None, C, None), (F, "Boom", F, "Boom"), (R, None, R, None)],
)
def test_force(target: JobStatus | None, error: str | None, expected: JobStatus, final_error: str | None) -> None:
    job, transitions = force(make_job(*TIMED), 101.0, target, error)
    assert job.status is expected and job.error == final_error
    assert transitions[0].new is expected and transitions[0].at == 101.0
    assert job.timeline[-1].status.terminal


def test_force_to_in_progress_keeps_the_rest_of_the_timeline() -> None:
    job, _ = force(make_job(*TIMED), 101.0, R)
    assert advance(job, 131.0)[0].status is C


def test_force_refuses_to_go_backwards_or_leave_a_terminal_state() -> None:
    job, _ = advance(make_job(*TIMED), 120.0)
    with pytest.raises(ValueError, match="cannot move"):
        force(job, 120.0, P)
    done, _ = advance(job, 500.0)
    with pytest.raises(ValueError, match="already completed"):
        force(done, 500.0)


def test_counted_copies_every_field_and_bumps_only_the_counters() -> None:
    # `counted` spells out Job's fields for speed: a field added to Job but not there fails here.
    job = make_job(*TIMED)._replace(phase=1, polls_in_phase=2, polls=7, downloads=3, generation_id="gen", base_url="b")
    assert counted(job, polls=1, downloads=2) == job._replace(polls_in_phase=3, polls=8, downloads=5)
    assert len(Job._fields) == 17
    moved, _ = advance(job, 10_000.0)  # `_rebuilt`, spelled out the same way
    assert moved == job._replace(phase=2, entered_at=130.0, polls_in_phase=0)
