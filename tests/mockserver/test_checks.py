"""`GET /_mock/checks`: the plugin's good-citizen rules over the journal, for apps in any language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mockserver import PacedClock
from mockserver.control.checks import RULES
from tests.mockserver.helpers import Api, assert_envelope


def _checks(api: Api, **query: Any) -> dict[str, Any]:
    response = api.http.get("http://testserver/_mock/checks", params=query)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_a_good_citizen_breaks_no_rule(make_api: Callable[..., Api]) -> None:
    api = make_api("fast")
    job_id = api.job_id()
    api.clock.advance(10)
    job = api.poll(job_id).json()
    assert api.http.get(job["unsigned_urls"][0]).status_code == 200
    found = _checks(api, min_interval=10, max_submits=1)
    assert found == {"ok": True, "rules": list(RULES), "requests": 3, "violations": []}


@pytest.mark.parametrize("rules", ["", ",", "no_resubmits,"])
def test_empty_rule_names_are_none_and_none_at_all_is_every_rule(api: Api, rules: str) -> None:
    expected = ["no_resubmits"] if rules.startswith("no") else [r for r in RULES if r != "polled_no_faster_than"]
    assert _checks(api, rules=rules)["rules"] == expected


def test_tight_polling_and_polls_after_the_end_are_named(make_api: Callable[..., Api]) -> None:
    api = make_api("fast")
    job_id = api.job_id()
    api.clock.advance(2)
    api.poll(job_id)
    api.clock.advance(2)
    assert api.poll(job_id).json()["status"] == "completed"
    api.poll(job_id)  # after the end, and 0 s after the last
    found = _checks(api, min_interval=10, rules="polled_no_faster_than,stopped_polling_after_terminal")
    rules = [v["rule"] for v in found["violations"]]
    assert rules == ["polled_no_faster_than", "polled_no_faster_than", "stopped_polling_after_terminal"]
    tight = found["violations"][0]
    assert tight["message"].startswith(f"GET /api/v1/videos/{job_id} at t=+4.0s → 200: 2 s after")
    assert [r["answer"] for r in tight["requests"]] == ["in_progress", "completed"]
    assert found["violations"][2]["requests"][0]["answer"] == "completed"


def test_resubmits_and_missing_downloads(make_api: Callable[..., Api]) -> None:
    api = make_api("fast")
    first, second = api.job_id(), api.job_id()
    api.clock.advance(10)
    api.poll(first)
    found = _checks(api, max_submits=1, rules="no_resubmits,downloaded_each_output_once")
    messages = [v["message"] for v in found["violations"]]
    assert "resubmitted the body of POST /api/v1/videos" in messages[0]
    assert messages[1].startswith("2 accepted submits, expected at most 1")
    assert messages[2] == f"job {first} output 0 downloaded 0 time(s): no request"
    assert second not in " ".join(messages[2:])  # never seen completed: nothing owed


def test_a_key_sees_only_its_own_traffic(make_api: Callable[..., Api]) -> None:
    api = make_api("fast")
    other = "sk-mg-v1-" + "ab" * 32
    api.submit(key=other)
    api.submit(key=other)
    assert _checks(api)["requests"] == 0
    admin = {"Authorization": f"Bearer {api.instance.admin_token}"}
    answer = api.http.get("http://testserver/_mock/checks", params={"key": other}, headers=admin).json()
    assert answer["requests"] == 2 and not answer["ok"]


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ({"rules": "nope"}, "rules"),
        ({"rules": " no_resubmits"}, "rules"),  # names as the document spells them, not trimmed
        ({"min_interval": "-1"}, "min_interval"),
        ({"rules": "polled_no_faster_than"}, "min_interval"),
    ],
)
def test_bad_queries_are_400s_naming_the_parameter(api: Api, query: dict[str, str], param: str) -> None:
    response = api.http.get("http://testserver/_mock/checks", params=query)
    assert assert_envelope(response, 400)["metadata"]["param"] == param


def test_a_paced_clock_runs_by_itself_and_jumps() -> None:
    clock = PacedClock(speed=0, start=100.0)
    assert clock.now() == 100.0
    assert clock.advance(5) == 105.0
    clock.set_speed(1e6)
    assert clock.now() > 105.0
    before = clock.now()
    clock.set_speed(0)
    assert clock.now() >= before  # a speed change never moves time backwards
    with pytest.raises(ValueError, match="speed"):
        clock.set_speed(-1)
