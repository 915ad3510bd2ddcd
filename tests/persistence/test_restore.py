"""What a restart does with settings that no longer make sense."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from mockserver.control.controller import OPERATOR
from tests.persistence.helpers import KEY_A, KEY_B, Mock


def test_a_key_whose_scenario_file_was_deleted_falls_back_to_the_default_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    scenario = tmp_path / "mine.toml"
    scenario.write_text('[[steps]]\nstatus = "pending"\nseconds = 10\n\n[[steps]]\nstatus = "failed"\n')
    path = tmp_path / "state.db"
    first = Mock(path)
    first.control.update_key(OPERATOR, KEY_A, scenario=str(scenario))
    first.control.update_key(OPERATOR, KEY_B, scenario="fail")
    first.stop()
    scenario.unlink()
    with caplog.at_level(logging.WARNING, logger="mockserver"):
        restarted = Mock(path)
    assert restarted.submit(KEY_A).status_code == 202  # was 400 "unknown scenario" on every submit
    assert restarted.control.key(OPERATOR, KEY_A)["scenario"] is None
    assert restarted.control.key(OPERATOR, KEY_B)["scenario"] == "fail"
    (warning,) = [r.getMessage() for r in caplog.records if "scenario setting is dropped" in r.getMessage()]
    assert KEY_A not in warning and "mine.toml" in warning
    restarted.stop()
    again = Mock(path)  # the drop was written: no second warning, the same answer
    assert again.control.key(OPERATOR, KEY_A)["scenario"] is None
    again.stop()
