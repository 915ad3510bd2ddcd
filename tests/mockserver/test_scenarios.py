from __future__ import annotations

from pathlib import Path

import pytest

from mockserver.domain.jobs import JobStatus
from mockserver.domain.scenarios import (
    Scenario,
    ScenarioError,
    Step,
    builtin_scenarios,
    load_scenario,
    resolve_scenario,
)

REQUIRED = {
    "happy",
    "slow-then-fail",
    "fast",
    "fail",
    "expire",
    "cancel",
    "rate-limited",
    "insufficient-credits",
    "flaky-poll",
    "flaky-content",
}


def test_every_required_builtin_ships_and_validates() -> None:
    scenarios = builtin_scenarios()
    assert set(scenarios) >= REQUIRED
    assert all(s.description for s in scenarios.values())


@pytest.mark.parametrize(
    ("name", "terminal"),
    [
        ("happy", "completed"),
        ("slow-then-fail", "failed"),
        ("fail", "failed"),
        ("expire", "expired"),
        ("cancel", "cancelled"),
        ("fast", "completed"),
    ],
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


def test_drawn_seconds_spread_over_the_whole_range_and_fixed_phases_are_shared() -> None:
    happy = builtin_scenarios()["happy"]  # pending 5–15 s, in progress 35–105 s, completed
    timelines = [happy.timeline(0, f"job{i}") for i in range(2000)]
    pending = sorted(t[0].seconds or 0 for t in timelines)
    assert 5 <= pending[0] < 5.1 and 14.9 < pending[-1] <= 15
    assert 9.5 < pending[1000] < 10.5  # the median of a uniform draw
    assert len({t[1].seconds for t in timelines}) > 1900  # two draws per job, not one reused
    assert all(t[2] is timelines[0][2] for t in timelines)


def test_a_drawn_step_covers_its_range_in_whole_milliseconds_both_ends_included() -> None:
    step = Step(JobStatus.PENDING, (5, 15.5))
    assert step.drawn(0).seconds == 5
    assert step.drawn(2**64 - 1).seconds == 15.5
    middle = step.drawn(2**63).seconds or 0
    assert 10 <= middle <= 10.5 and round(middle, 3) == middle


def test_a_scenario_drawing_more_than_eight_numbers_gets_fresh_ones_past_the_eighth() -> None:
    # Eight draws come from one BLAKE2b block; the ninth and on from a second, salted block.
    steps = tuple(Step(JobStatus.PENDING, (0, 1000)) for _ in range(11)) + (Step(JobStatus.COMPLETED),)
    many = Scenario("many", steps)
    timeline = many.timeline(5, "job")
    seconds = [phase.seconds for phase in timeline[:-1]]
    assert len(set(seconds)) == 11 and all(0 <= (s or 0) <= 1000 for s in seconds)
    assert many.timeline(5, "job") == timeline and many.timeline(6, "job") != timeline


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
        (
            '[[steps]]\nstatus = "pending"\nseconds = 1\n[[steps]]\nstatus = "completed"\n'
            '[[faults]]\non = "poll"\nstatus = 429\nevery = 2\n',
            "poll does not answer 429",
        ),
        (
            '[[steps]]\nstatus = "pending"\nseconds = 1\n[[steps]]\nstatus = "completed"\n'
            '[[faults]]\non = "submit"\nstatus = 500\n',
            "exactly one of times, every or probability",
        ),
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


STEPS = '[[steps]]\nstatus = "pending"\nseconds = 1\n[[steps]]\nstatus = "completed"\n'


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (
            '[[steps]]\nstatus = "pending"\nseconds = -1\n[[steps]]\nstatus = "completed"\n',
            "steps.0.seconds: must be at least 0, not -1",
        ),
        (
            '[[steps]]\nstatus = "pending"\nseconds = true\n[[steps]]\nstatus = "completed"\n',
            "steps.0.seconds: must be a number, not true",
        ),
        (
            '[[steps]]\nstatus = "pending"\nseconds = [1, 2, 3]\n[[steps]]\nstatus = "completed"\n',
            "steps.0.seconds: a range must be [min, max], not [1, 2, 3]",
        ),
        (
            '[[steps]]\nstatus = "pending"\npolls = 1.5\n[[steps]]\nstatus = "completed"\n',
            "steps.0.polls: must be a whole number, not 1.5",
        ),
        (STEPS + 'error = "x"\n', "steps.1.error: error text only fits failed, cancelled or expired"),
        (STEPS + '[webhook]\nout_of_order = "yes"\n', 'webhook.out_of_order: must be true or false, not "yes"'),
        (STEPS + "[webhook]\nduplicate = 11\n", "webhook.duplicate: must be at most 10, not 11"),
        (STEPS + "[webhook]\nretries = 1\n", "webhook.retries: unknown field"),
        (STEPS + '[[faults]]\non = "upload"\nstatus = 500\ntimes = 1\n', 'faults.0.on: "upload" is not one of'),
        (STEPS + '[[faults]]\non = "poll"\nstatus = 500\nprobability = 0\n', "faults.0.probability: must be greater"),
        (STEPS + '[[faults]]\non = "poll"\ntimes = 1\n', "faults.0.status: required"),
        ('colour = "red"\n' + STEPS, "colour: unknown field"),
        ('description = "no steps"\n', "steps: required"),
        ("steps = 3\n", "steps: must be an array of tables"),
    ],
)
def test_every_field_is_checked_with_its_path(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write(tmp_path, text))
    assert str(caught.value).startswith(f"{tmp_path / 'mine.toml'}: {needle}")  # the one problem, first


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = STEPS + "[webhook]\ndelay = -1\nduplicate = 11\n"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write(tmp_path, text))
    assert "webhook.delay: must be at least 0" in str(caught.value)
    assert "webhook.duplicate: must be at most 10" in str(caught.value)


def test_optional_tables_are_read_with_their_defaults(tmp_path: Path) -> None:
    text = STEPS + '[[faults]]\non = "submit"\nstatus = 429\ntimes = 2\nretry_after = 3\n[webhook]\ndelay = 60\n'
    scenario = load_scenario(write(tmp_path, text))
    assert scenario.description == "" and scenario.name == "mine"
    (fault,) = scenario.faults_for("submit")
    assert (fault.status, fault.retry_after, fault.hits(2, "k", 0), fault.hits(3, "k", 0)) == (429, 3, True, False)
    assert (scenario.webhook.delay, scenario.webhook.duplicate, scenario.webhook.hold) == (60.0, 0, 300.0)
    assert builtin_scenarios()["webhook-out-of-order"].webhook.out_of_order is True


def test_builtins_are_parsed_once_but_each_call_gets_its_own_dict(tmp_path: Path) -> None:
    first, second = builtin_scenarios(), builtin_scenarios()
    assert first is not second and first["happy"] is second["happy"]  # the same parsed scenario
    first.pop("happy")
    assert "happy" in builtin_scenarios()


def test_a_changed_file_is_parsed_again(tmp_path: Path) -> None:
    path = write(tmp_path, 'description = "one"\n' + STEPS)
    assert builtin_scenarios(tmp_path)["mine"].description == "one"
    path.write_text('description = "two, longer"\n' + STEPS)  # another size, so another version
    assert builtin_scenarios(tmp_path)["mine"].description == "two, longer"
