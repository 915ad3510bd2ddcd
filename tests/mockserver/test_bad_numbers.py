"""Numbers too big for the mock are 4xx answers or refused flags, never a 500."""

from __future__ import annotations

import httpx
import pytest

from mockserver import MockConfig, SyncASGITransport, VirtualClock, create_app
from mockserver.cli import main
from tests.mockserver.helpers import Api, assert_envelope

HUGE = "9" * 5000  # past Python's 4,300-digit limit for int()


def test_an_index_of_thousands_of_digits_is_a_404_like_any_output_that_does_not_exist(api: Api) -> None:
    job_id = api.completed_job()
    assert_envelope(api.http.get(f"/videos/{job_id}/content", params={"index": HUGE}), 404)
    assert_envelope(api.http.get(f"/videos/{job_id}/content", params={"index": "9" * 1000}), 404)


@pytest.mark.parametrize(
    ("header", "status"),
    [(f"bytes={HUGE}-", 416), (f"bytes=0-{HUGE}", 206), (f"bytes=-{HUGE}", 206)],
    ids=["start", "end", "suffix"],
)
def test_a_range_of_thousands_of_digits_is_answered_like_any_range(api: Api, header: str, status: int) -> None:
    job_id = api.completed_job()
    response = api.http.get(f"/videos/{job_id}/content", headers={"Range": header})
    assert response.status_code == status
    if status == 416:
        assert_envelope(response, 416)


@pytest.mark.parametrize("speed", ["inf", "nan", "1e300", "-inf", "fast"])
def test_a_speed_that_is_not_a_usable_number_is_refused(speed: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--speed", speed])
    assert caught.value.code == 2
    assert "--speed" in capsys.readouterr().err.splitlines()[-1]


def test_the_clock_cannot_be_moved_past_the_year_9999() -> None:
    clock = VirtualClock(253_402_300_799.0 - 100)
    app = create_app(MockConfig(admin_token="t"), clock=clock)
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://testserver") as http:
        answer = http.post("/_mock/clock/advance", json={"seconds": 3600}, headers={"Authorization": "Bearer t"})
        assert_envelope(answer, 400)
        assert http.post("/_mock/clock/advance", json={"seconds": 50}, headers={"Authorization": "Bearer t"}).is_success
    assert not app.controller.errors
