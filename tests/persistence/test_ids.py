"""Job ids never repeat within a state file, whatever retention forgot and however often it restarts."""

from __future__ import annotations

from pathlib import Path

from tests.mockserver.helpers import Api
from tests.persistence.helpers import KEY_A, KEY_B, Mock


def test_ids_after_a_restart_are_new_although_retention_forgot_the_old_jobs(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    seen: list[str] = []
    clock = None
    for _run in range(3):
        mock = Mock(path, clock=clock, seed=5, max_jobs=3, scenario="fast")
        clock = mock.clock
        for n in range(8):
            seen.append(mock.job_id(KEY_A if n % 2 else KEY_B))
            mock.clock.advance(600)
        assert len(mock.job_ids()) <= 3 + 1
        mock.stop()
    assert len(set(seen)) == len(seen) == 24


def test_a_fresh_state_file_hands_out_the_ids_of_a_run_without_one(tmp_path: Path) -> None:
    with_file = Mock(tmp_path / "state.db", seed=5)
    first = with_file.job_id()
    with_file.stop()
    without = Api(seed=5)
    assert without.job_id() == first
    without.close()
