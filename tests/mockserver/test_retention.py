"""The job store is bounded: past `max_jobs`, the oldest finished jobs are forgotten."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from mockserver import Controller, MockConfig, VirtualClock, create_app, new_api_key
from mockserver.cli import build_parser
from mockserver.domain.store import JobStore, retirement_batch
from tests.mockserver.helpers import SEED_000_BODY, Api, assert_envelope

KEY = new_api_key(5)


def _state(max_jobs: int | None) -> tuple[Controller, VirtualClock]:
    clock = VirtualClock()
    return create_app(MockConfig(max_jobs=max_jobs), clock=clock).controller, clock


def _store(max_jobs: int | None) -> tuple[Controller, JobStore]:
    app = create_app(MockConfig(max_jobs=max_jobs), clock=VirtualClock())
    return app.controller, app.instance.service.store


def test_the_oldest_finished_jobs_are_forgotten_past_max_jobs() -> None:
    state, clock = _state(max_jobs=10)
    first = [state.submit(KEY, dict(SEED_000_BODY)).id for _ in range(10)]
    clock.advance(3600)  # all ten are completed by now
    later = [state.submit(KEY, dict(SEED_000_BODY)).id for _ in range(5)]
    assert state.job_count == 10
    kept = {job.id for job in state.stored_jobs()}
    assert kept == set(first[5:] + later)


def test_running_jobs_are_never_forgotten() -> None:
    state, _clock = _state(max_jobs=3)
    ids = [state.submit(KEY, dict(SEED_000_BODY)).id for _ in range(8)]
    assert {job.id for job in state.stored_jobs()} == set(ids)  # none finished: all kept
    assert all(state.poll(KEY, job_id).status.value == "pending" for job_id in ids)


def test_a_forgotten_job_answers_404_in_the_envelope(make_api: Callable[..., Api]) -> None:
    api = make_api(max_jobs=2)
    old = api.job_id()
    api.clock.advance(3600)
    api.job_id(), api.job_id()
    assert_envelope(api.poll(old), 404)


def test_the_default_bound_and_the_flag() -> None:
    assert MockConfig().max_jobs == 10_000
    assert _store(None)[1].max_jobs is None
    assert build_parser().parse_args(["--max-jobs", "50"]).max_jobs == 50


def test_a_job_retired_unread_still_gets_its_refund_and_its_transitions_announced() -> None:
    state, clock = _state(max_jobs=1)
    seen: list[tuple[str, str]] = []
    state.on_transition(lambda job, transition: seen.append((job.id, transition.new.value)))
    failed = state.submit(KEY, dict(SEED_000_BODY), scenario="fail").id
    clock.advance(3600)  # nobody polls it: it fails unseen
    state.submit(KEY, dict(SEED_000_BODY))
    assert state.stored(failed) is None  # retired
    assert (failed, "failed") in seen
    kinds = [entry.kind for entry in state.ledger(KEY) if entry.job_id == failed]
    assert kinds == ["charge", "refund"]


def test_a_running_job_passed_over_by_retention_is_kept_as_it_stands_now() -> None:
    state, clock = _state(max_jobs=1)
    first = state.submit(KEY, dict(SEED_000_BODY)).id
    clock.advance(20)  # past pending (5-15 s), not yet completed (35 s or more in progress)
    state.submit(KEY, dict(SEED_000_BODY))
    kept = state.stored(first)
    assert kept is not None and kept.status.value == "in_progress"


def test_a_large_store_retires_in_batches_and_never_keeps_more_than_max_jobs() -> None:
    state, clock = _state(max_jobs=1024)  # batches of 4
    sizes = []
    for _ in range(1100):
        state.submit(KEY, dict(SEED_000_BODY))
        clock.advance(600)  # every job is finished by the next submit
        sizes.append(state.job_count)
    assert max(sizes) == 1024
    assert set(sizes[-8:]) <= {1021, 1022, 1023, 1024}  # a pass every 4th submit
    assert min(sizes[-8:]) == 1021


def test_decisions_md_states_the_batch_the_store_uses() -> None:
    text = (Path(__file__).resolve().parents[2] / "openapi" / "DECISIONS.md").read_text()
    stated = re.search(r"\(([\d,]+) at the default", text)
    assert stated is not None, "the Job retention row no longer states the default batch"
    assert int(stated.group(1).replace(",", "")) == retirement_batch(MockConfig().max_jobs or 0) == 39
    assert [retirement_batch(n) for n in (1, 511, 512, 1024)] == [1, 1, 2, 4]


def test_with_every_job_running_a_pass_looks_at_no_more_than_four_jobs_per_submit() -> None:
    state, store = _store(max_jobs=512)  # batches of 2; no job finishes: the clock stands still
    looked = []
    original = store.retire_oldest

    def counting(change: Callable[..., object]) -> None:
        def counted(job: object) -> object:
            looked.append(job)
            return change(job)

        original(counted)  # type: ignore[arg-type]

    store.retire_oldest = counting  # type: ignore[method-assign]
    for _ in range(600):
        state.submit(KEY, dict(SEED_000_BODY))
    assert len(store) == 600  # running jobs are never forgotten
    assert 0 < len(looked) <= 4 * (600 - 512)
