"""`bench.suite`'s generated downstream project, CI-sized: the fixture's test file passes under
pytest as a downstream suite would run it (the respx half needs the bench extra)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.suite import run_file, write_suite


@pytest.mark.slow
def test_the_generated_downstream_suite_passes_with_the_fixture(tmp_path: Path) -> None:
    write_suite(tmp_path, tests=3, polls=60)  # 60 x 2 s: the default scenario has finished
    assert "range(3)" in (tmp_path / "test_with_fixture.py").read_text()
    tests_s, wall_s = run_file(tmp_path, "fixture")  # raises with pytest's output when a test fails
    assert 0 < tests_s < wall_s
