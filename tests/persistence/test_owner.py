"""One owner per state file: a second server on it is refused at startup, in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mockserver.cli import main
from mockserver.persistence.schema import StateFileError
from mockserver.persistence.state_file import StateFile


def test_a_second_state_file_on_the_same_path_is_refused_until_the_first_lets_go(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    first = StateFile(path)
    with pytest.raises(StateFileError, match="in use by another mockserver process") as refused:
        StateFile(path)
    assert str(path) in str(refused.value) and "\n" not in str(refused.value)
    first.close()
    StateFile(path).close()


def test_the_cli_refuses_a_state_file_another_process_holds(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    holder = StateFile(path)
    try:
        second = subprocess.run(
            [sys.executable, "-m", "mockserver", "--state", str(path), "--port", "0"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        holder.close()
    assert second.returncode == 2
    assert second.stderr.splitlines() == [f"mockserver: state file {path} is in use by another mockserver process"]
    assert second.stdout == ""


def test_the_cli_in_process_gives_the_same_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "state.db"
    holder = StateFile(path)
    assert main(["--state", str(path), "--port", "0"]) == 2
    holder.close()
    assert capsys.readouterr().err.count("\n") == 1
