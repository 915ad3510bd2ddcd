from __future__ import annotations

from pathlib import Path

import pytest

from mockserver.jobs import JobStatus
from mockserver.scenarios import ScenarioError, builtin_scenarios, load_scenario, resolve_scenario

REQUIRED = {"happy", "slow-then-fail", "fast", "fail", "expire", "cancel", "rate-limited",
            "insufficient-credits", "flaky-poll", "flaky-content"}


def test_every_required_builtin_ships_and_validates() -> None:
    scenarios = builtin_scenarios()
    assert set(scenarios) >= REQUIRED
    assert all(s.description for s in scenarios.values())


@pytest.mark.parametrize(
    ("name", "terminal"),
    [("happy", "completed"), ("slow-then-fail", "failed"), ("fail", "failed"), ("expire", "expired"),
     ("cancel", "cancelled"), ("fast", "completed")],
)
def test_builtin_lifecycles_end_where_their_name_says(name: str, terminal: str) -> None:
    assert builtin_scenarios()[name].steps[-1].status == terminal


def test_happy_takes_between_40_seconds_and_2_minutes_for_many_seeds() -> None:
    happy = builtin_scenarios()["happy"]
    totals = [sum(p.seconds or 0 for p in happy.timeline(seed, "job")) for seed in range(200)]
    assert min(totals) >= 40 and max(totals) <= 120


def test_slow_then_fail_has_a_long_in_progress() -> None:
    timeline = builtin_scenarios()["slow-then-fail"].timeline(0, "job")
    assert timeline[1].status is JobStatus.IN_PROGRESS and (timeline[1].seconds or 0) >= 240


def test_same_seed_same_timeline_other_seed_other_timeline() -> None:
    happy = builtin_scenarios()["happy"]
    assert happy.timeline(7, "abc") == happy.timeline(7, "abc")
    assert happy.timeline(7, "abc") != happy.timeline(8, "abc")


def write(tmp_path: Path, text: str, name: str = "mine.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[[steps]]\nstatus = "in_progress"\nseconds = 1\n[[steps]]\nstatus = "completed"\n', "steps[0]"),
        ('[[steps]]\nstatus = "pending"\n[[steps]]\nstatus = "completed"\n', "steps[0]: pending needs seconds"),
        ('[[steps]]\nstatus = "pending"\nseconds = 1\n[[steps]]\nstatus = "in_progress"\n', "steps[1]: the last"),
        ('[[steps]]\nstatus = "pending"\nseconds = 1\n[[steps]]\nstatus = "done"\n', "steps.1.status"),
        ('[[steps]]\nstatus = "pending"\nseconds = [5, 1]\n[[steps]]\nstatus = "completed"\n', "steps.0"),
        ('[[steps]]\nstatus = "pending"\nseconds = 1\nsecs = 2\n[[steps]]\nstatus = "completed"\n', "steps.0.secs"),
        ('[[steps]]\nstatus = "pending"\nseconds = 1\n[[steps]]\nstatus = "completed"\n'
         '[[faults]]\non = "poll"\nstatus = 429\nevery = 2\n', "poll does not answer 429"),
        ('[[steps]]\nstatus = "pending"\nseconds = 1\n[[steps]]\nstatus = "completed"\n'
         '[[faults]]\non = "submit"\nstatus = 500\n', "exactly one of times, every or probability"),
        ("this is = not toml [", "mine.toml"),
    ],
)
def test_a_bad_file_is_refused_naming_the_file_and_the_step(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write(tmp_path, text))
    assert "mine.toml" in str(caught.value) and needle in str(caught.value)


def test_a_user_file_is_usable_by_path(tmp_path: Path) -> None:
    path = write(tmp_path, '[[steps]]\nstatus = "pending"\npolls = 2\n[[steps]]\nstatus = "completed"\n')
    assert resolve_scenario(str(path), builtin_scenarios()).name == "mine"


def test_an_unknown_name_lists_the_builtins() -> None:
    with pytest.raises(ScenarioError, match="built-ins: .*happy"):
        resolve_scenario("nope", builtin_scenarios())
