"""Download faults: bodies that break after the answer started, in-process and on a live socket.

No test waits for a stall: in-process the transport compares it with the read timeout; on the
live server the client's read timeout (0.2 s) gives up first and the server's pause ends with it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import httpx
import pytest

from mockserver import MockConfig, MockServer, ScenarioError, VirtualClock, builtin_scenarios, new_api_key
from mockserver.domain.body_faults import BodyFault, pick_body_fault
from mockserver.domain.scenarios import parse_scenario
from tests.mockserver.helpers import SEED_000_BODY, Api

STEPS = '[[steps]]\nstatus = "pending"\nseconds = 1\n\n[[steps]]\nstatus = "completed"\noutputs = 2\n\n'


def scenario_file(tmp_path: Path, fault: str) -> str:
    path = tmp_path / "broken.toml"
    path.write_text(f"{STEPS}[[download_faults]]\n{fault}\n", encoding="utf-8")
    return str(path)


def completed_job(api: Api) -> str:
    job_id: str = api.submit().json()["id"]
    api.clock.advance(600)
    assert api.http.get(f"/videos/{job_id}").json()["status"] == "completed"
    return job_id


def content(job_id: str, index: int = 0) -> str:
    return f"/videos/{job_id}/content?index={index}"


# --- the scenario table ---------------------------------------------------------------------


def test_builtins_break_the_first_download_of_each_output_only() -> None:
    known = builtin_scenarios()
    assert known["truncated-download"].download_faults == (BodyFault("cut", after=0.4, times=1),)
    assert known["stalled-download"].download_faults == (BodyFault("stall", after=0.5, seconds=5, times=1),)


@pytest.mark.parametrize(
    ("fault", "problem"),
    [
        ('kind = "cut"', "download_faults.0: a download fault needs exactly one of times, every or probability"),
        ('kind = "stall"\ntimes = 1', "download_faults.0.seconds: required for a stall"),
        ('kind = "dribble"\ntimes = 1', "download_faults.0.rate: required for a dribble"),
        ('kind = "cut"\nseconds = 2\ntimes = 1', "download_faults.0.seconds: only a stall has seconds, not a cut"),
        ('kind = "cut"\nafter = 1.5\ntimes = 1', "download_faults.0.after: a fraction of the body must be below 1"),
        ('kind = "cut"\nafter = -3\ntimes = 1', "download_faults.0.after: must be at least 0, not -3"),
        ('kind = "melt"\ntimes = 1', 'download_faults.0.kind: "melt" is not one of cut, reset, stall'),
        ('kind = "cut"\ntimes = 1\nstatus = 502', "download_faults.0.status: unknown field"),
    ],
)
def test_a_bad_download_fault_is_named_with_its_path(fault: str, problem: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario("broken", tomllib.loads(f"{STEPS}[[download_faults]]\n{fault}\n"))
    assert problem in str(caught.value)


def test_where_a_fault_breaks_is_inside_the_body() -> None:
    assert BodyFault("cut", after=0.4, times=1).offset(1000) == 400
    assert BodyFault("cut", after=250, times=1).offset(1000) == 250
    assert BodyFault("cut", after=5000, times=1).offset(1000) == 999  # never the whole body
    every_other = (BodyFault("cut", every=2),)
    assert [pick_body_fault(every_other, count, "job/0", 0) is not None for count in (1, 2, 3, 4)] == [
        False,
        True,
        False,
        True,
    ]


# --- in-process: what plain httpx sees -------------------------------------------------------


def test_a_cut_body_raises_after_its_bytes_and_a_range_resumes_it() -> None:
    api = Api(scenario="truncated-download", render="off")
    job_id = completed_job(api)
    with api.http.stream("GET", content(job_id)) as response:
        promised = int(response.headers["content-length"])
        got = bytearray()
        with pytest.raises(httpx.RemoteProtocolError, match="peer closed connection"):
            for chunk in response.iter_raw():
                got += chunk
    assert response.status_code == 200 and len(got) == int(promised * 0.4)
    rest = api.http.get(content(job_id), headers={"Range": f"bytes={len(got)}-", "If-Range": response.headers["etag"]})
    whole = api.http.get(content(job_id))  # the third attempt: untouched
    assert rest.status_code == 206 and rest.headers["content-range"] == f"bytes {len(got)}-{promised - 1}/{promised}"
    assert bytes(got) + rest.content == whole.content and len(whole.content) == promised


def test_faults_are_counted_per_output(tmp_path: Path) -> None:
    api = Api(scenario=scenario_file(tmp_path, 'kind = "cut"\nafter = 100\ntimes = 1'), render="off")
    job_id = completed_job(api)
    for index in (0, 1):
        with pytest.raises(httpx.RemoteProtocolError):
            api.http.get(content(job_id, index))
        assert api.http.get(content(job_id, index)).status_code == 200


def test_a_reset_is_a_read_error(tmp_path: Path) -> None:
    api = Api(scenario=scenario_file(tmp_path, 'kind = "reset"\nafter = 0.5\ntimes = 1'), render="off")
    job_id = completed_job(api)
    with pytest.raises(httpx.ReadError, match="reset by peer"):
        api.http.get(content(job_id))
    assert api.http.get(content(job_id)).status_code == 200


@pytest.mark.parametrize(("read_timeout", "broken"), [(1.0, True), (10.0, False), (None, False)])
def test_a_stall_times_out_only_past_the_read_timeout(read_timeout: float | None, broken: bool) -> None:
    api = Api(scenario="stalled-download", render="off")  # stalls 5 s at half the body
    job_id = completed_job(api)
    timeout = httpx.Timeout(5.0, read=read_timeout)
    if broken:
        with pytest.raises(httpx.ReadTimeout):
            api.http.get(content(job_id), timeout=timeout)
    else:
        assert len(api.http.get(content(job_id), timeout=timeout).content) > 10_000


def test_a_slow_dribble_times_out_and_a_fast_one_arrives(tmp_path: Path) -> None:
    api = Api(scenario=scenario_file(tmp_path, 'kind = "dribble"\nrate = 2\ntimes = 1'), render="off")
    job_id = completed_job(api)  # 2 bytes/s: one byte every half second
    with pytest.raises(httpx.ReadTimeout):
        api.http.get(content(job_id), timeout=httpx.Timeout(5.0, read=0.2))
    fast = Api(scenario=scenario_file(tmp_path, 'kind = "dribble"\nrate = 100000\ntimes = 1'), render="off")
    fast_id = completed_job(fast)
    assert fast.http.get(content(fast_id)).content[4:8] == b"ftyp"


def test_bad_gateway_cuts_then_answers_502_then_serves(tmp_path: Path) -> None:
    api = Api(scenario=scenario_file(tmp_path, 'kind = "bad-gateway"\nafter = 0.3\ntimes = 1'), render="off")
    job_id = completed_job(api)
    with pytest.raises(httpx.RemoteProtocolError):
        api.http.get(content(job_id))
    gateway = api.http.get(content(job_id))
    assert gateway.status_code == 502 and gateway.json()["error"]["code"] == 502
    assert api.http.get(content(job_id)).status_code == 200


def test_a_head_or_a_416_is_not_broken_and_not_counted() -> None:
    api = Api(scenario="truncated-download", render="off")
    job_id = completed_job(api)
    assert api.http.head(content(job_id)).status_code == 200
    assert api.http.get(content(job_id), headers={"Range": "bytes=99999999-"}).status_code == 416
    with pytest.raises(httpx.RemoteProtocolError):
        api.http.get(content(job_id))


# --- a live socket ---------------------------------------------------------------------------


def live_client(server: MockServer, timeout: httpx.Timeout | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {new_api_key(1)}"}
    return httpx.Client(base_url=server.base_url, headers=headers, timeout=timeout or httpx.Timeout(5.0))


def live_job(http: httpx.Client, clock: VirtualClock) -> str:
    job_id: str = http.post("/videos", json=SEED_000_BODY).json()["id"]
    clock.advance(600)
    return job_id


def test_live_a_cut_ends_short_and_the_client_can_tell() -> None:
    clock = VirtualClock()
    with MockServer(MockConfig(scenario="truncated-download", render="off"), clock=clock) as server:
        with live_client(server) as http:
            job_id = live_job(http, clock)
            got = bytearray()
            broken = pytest.raises(httpx.RemoteProtocolError, match="incomplete|peer closed")
            with http.stream("GET", content(job_id)) as response, broken:
                for chunk in response.iter_raw():
                    got += chunk
            promised = int(response.headers["content-length"])
            rest = http.get(content(job_id), headers={"Range": f"bytes={len(got)}-"})
            whole = http.get(content(job_id))
        assert 0 < len(got) < promised and bytes(got) + rest.content == whole.content
        assert not server.controller.errors


def test_live_a_reset_and_a_stall(tmp_path: Path) -> None:
    clock = VirtualClock()
    reset = scenario_file(tmp_path, 'kind = "reset"\nafter = 0.5\ntimes = 1')
    with MockServer(MockConfig(scenario=reset, render="off"), clock=clock) as server, live_client(server) as http:
        job_id = live_job(http, clock)
        with pytest.raises(httpx.ReadError):
            http.get(content(job_id))
    # The server's pause ends when the client hangs up: the test waits the read timeout only.
    stall = scenario_file(tmp_path, 'kind = "stall"\nafter = 0.5\nseconds = 5\ntimes = 1')
    with MockServer(MockConfig(scenario=stall, render="off"), clock=clock) as server:
        with live_client(server) as http:
            job_id = live_job(http, clock)
            with pytest.raises(httpx.ReadTimeout):
                http.get(content(job_id), timeout=httpx.Timeout(5.0, read=0.2))
            assert http.get(content(job_id)).content[4:8] == b"ftyp"
        assert not server.controller.errors
