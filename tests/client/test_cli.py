"""`modelgates-video` run in-process against the mock on a virtual clock (no sockets, no sleep)."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from client import Job, ModelGates
from client.cli import Progress, durations_text, main
from mockserver import MockConfig, MockServer, SyncASGITransport, VirtualClock, create_app, new_api_key

BASE_URL = "http://testserver/api/v1"
CATALOG = Path(__file__).resolve().parents[2] / "fixtures" / "models.json"
PNG_URL = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(32)).decode()
GENERATE = ["generate", "--model", "google/veo-3.1-lite", "--prompt", "A glass greenhouse"]


class Recorder(httpx.BaseTransport):
    """Passes requests to the mock and remembers them."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.inner.handle_request(request)

    @property
    def posts(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == "POST"]


class Mock:
    """One mock app, its virtual clock, and a CLI runner wired to both."""

    def __init__(self, scenario: str = "happy") -> None:
        self.clock = VirtualClock()
        self.transport = Recorder(SyncASGITransport(create_app(MockConfig(scenario=scenario), clock=self.clock)))
        self.key = new_api_key(0)

    def client(self, **settings: Any) -> ModelGates:
        return ModelGates(transport=self.transport, **settings)

    def run(self, *argv: str, key: bool = True) -> int:
        options = ["--base-url", BASE_URL] + (["--api-key", self.key] if key else [])
        return main([*argv, *options], client_factory=self.client, sleep=self.clock.advance, clock=self.clock.now)


@pytest.fixture
def mock() -> Mock:
    return Mock()


def catalog_ids() -> list[str]:
    return [row["id"] for row in json.loads(CATALOG.read_text())["data"]]


# --- models -------------------------------------------------------------------------------------


def test_models_table_lists_every_model_in_catalog_order(mock: Mock, capsys: pytest.CaptureFixture[str]) -> None:
    assert mock.run("models", key=False) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line.split()[0] for line in lines[1:14]]
    assert rows == catalog_ids()
    lite = next(line for line in lines if line.startswith("google/veo-3.1-lite "))
    assert lite.split()[1:4] == ["8", "4", "6"]  # the catalog's order, not sorted
    assert "3-15" in lines[1] and "0.112" in lines[1]
    assert lines[0].split()[:2] == ["ID", "DURATIONS"]


def test_models_json_is_the_catalog(mock: Mock, capsys: pytest.CaptureFixture[str]) -> None:
    assert mock.run("models", "--json") == 0
    data = json.loads(capsys.readouterr().out)["data"]
    assert [row["id"] for row in data] == catalog_ids()
    assert data[3]["supported_durations"] == [8, 4, 6]


@pytest.mark.parametrize(
    ("values", "text"),
    [([8, 4, 6], "8 4 6"), (list(range(3, 16)), "3-15"), ([5, 10], "5 10"), ([4, 5], "4 5"), ([], "-")],
)
def test_durations_keep_their_order(values: list[int], text: str) -> None:
    assert durations_text(values) == text


# --- generate -----------------------------------------------------------------------------------


def test_generate_writes_an_mp4(mock: Mock, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "greenhouse.mp4"
    code = mock.run(*GENERATE, "--duration", "4", "--resolution", "720p", "--no-audio", "--out", str(out))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert out.read_bytes()[4:8] == b"ftyp"
    assert list(tmp_path.iterdir()) == [out]  # no .part left behind
    assert captured.out.startswith(f"Saved {out} (")
    assert "pending" in captured.err and "completed" in captured.err
    assert "downloading" in captured.err and "(100%)" in captured.err
    assert [json.loads(r.content)["generate_audio"] for r in mock.transport.posts] == [False]


def test_generate_with_frames(mock: Mock, tmp_path: Path) -> None:
    out = tmp_path / "frames.mp4"
    frames = ["--first-frame", PNG_URL, "--last-frame", PNG_URL]
    assert mock.run(*GENERATE, "--duration", "4", *frames, "--out", str(out)) == 0
    body = json.loads(mock.transport.posts[0].content)
    assert [f["frame_type"] for f in body["frame_images"]] == ["first_frame", "last_frame"]


def test_a_mismatch_is_refused_before_any_post(mock: Mock, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [*GENERATE, "--duration", "5", "--resolution", "4K", "--out", str(tmp_path / "x.mp4")]
    assert mock.run(*argv) == 2
    err = capsys.readouterr().err
    assert mock.transport.posts == []
    assert "nothing was submitted" in err
    assert "duration=5: not supported by this model (allowed: 8, 4, 6)" in err
    assert "resolution='4K'" in err
    assert not (tmp_path / "x.mp4").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--model", "google/veo-3.1-lit"], "unknown model 'google/veo-3.1-lit'; did you mean google/veo-3.1-lite"),
        (["--first-frame", "http://example.com/a.jpg"], "not an https: or data: URL"),
        (["--last-frame", "data:image/png;base64,@@"], "payload is not valid base64"),
        (["--first-frame", "data:text/plain;base64,aGk="], "expected image/*"),
        (["--out", "/nonexistent-dir/x.mp4"], "does not exist"),
    ],
)
def test_refusals_exit_2_without_a_post(
    mock: Mock, extra: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*GENERATE, "--out", str(tmp_path / "x.mp4"), *extra]
    assert mock.run(*argv) == 2
    assert message in capsys.readouterr().err
    assert mock.transport.posts == []


def test_a_missing_key_is_refused(
    mock: Mock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("MODELGATES_API_KEY", raising=False)
    assert mock.run(*GENERATE, "--out", str(tmp_path / "x.mp4"), key=False) == 2
    err = capsys.readouterr().err
    assert err == "modelgates-video: error: no API key: pass --api-key KEY or set MODELGATES_API_KEY\n"
    assert mock.transport.posts == []


def test_status_and_download_follow_up_a_job_left_running(
    mock: Mock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert mock.run(*GENERATE, "--timeout", "10", "--out", str(tmp_path / "x.mp4")) == 3
    err = capsys.readouterr().err
    job_id = err.split("modelgates-video status ")[1].split()[0]
    assert f"modelgates-video download {job_id} --out FILE" in err
    assert mock.run("status", job_id) == 0
    assert capsys.readouterr().out.startswith(f"job {job_id} ")
    out = tmp_path / "later.mp4"
    assert mock.run("download", job_id, "--out", str(out)) == 0
    assert out.read_bytes()[4:8] == b"ftyp"
    assert f"Saved {out} (" in capsys.readouterr().out
    assert mock.run("status", job_id, "--json") == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["status"] == "completed" and answer["unsigned_urls"]


def test_status_of_an_unknown_job_is_one_line(mock: Mock, capsys: pytest.CaptureFixture[str]) -> None:
    assert mock.run("status", "nope") == 1
    err = capsys.readouterr().err
    assert err.startswith("modelgates-video: error: ") and err.count("\n") == 1


def test_slow_then_fail_prints_the_servers_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mock = Mock("slow-then-fail")
    out = tmp_path / "x.mp4"
    assert mock.run(*GENERATE, "--out", str(out)) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[-1].startswith("modelgates-video: error: job ")
    assert lines[-1].endswith(" failed: Provider returned error")
    assert "Traceback" not in "\n".join(lines)
    assert not out.exists()


@pytest.mark.parametrize(
    ("scenario", "code", "message"),
    [
        ("insufficient-credits", 1, "402: Insufficient credits"),
        ("fail", 1, "failed: Content policy violation"),
        ("expire", 1, "expired: Job exceeded maximum time to live"),
        ("rate-limited", 0, "Saved"),
        ("flaky-poll", 0, "Saved"),
        ("flaky-content", 0, "Saved"),
    ],
)
def test_scenarios_map_to_exit_codes(
    scenario: str, code: int, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mock = Mock(scenario)
    assert mock.run(*GENERATE, "--out", str(tmp_path / "x.mp4")) == code
    captured = capsys.readouterr()
    assert message in captured.out + captured.err


def test_a_timeout_exits_3_and_names_the_job(mock: Mock, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert mock.run(*GENERATE, "--timeout", "10", "--out", str(tmp_path / "x.mp4")) == 3
    err = capsys.readouterr().err
    assert "timed out" in err
    assert "keeps running on the server: http://testserver/api/v1/videos/" in err


def test_usage_errors_return_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--prompt", "p"]) == 2
    assert "--model" in capsys.readouterr().err
    assert main([*GENERATE, "--out", "x.mp4", "--interval", "0"]) == 2
    assert "must be a positive number of seconds" in capsys.readouterr().err
    assert main(["--help"]) == 0


# --- progress display ---------------------------------------------------------------------------


def job(status: str) -> Job:
    return Job(id="abc", polling_url="http://testserver/api/v1/videos/abc", status=status)


def test_live_progress_redraws_one_line_with_elapsed_time() -> None:
    clock = VirtualClock()
    stream = io.StringIO()
    progress = Progress(stream, clock.now, live=True)
    progress.on_job(job("pending"))
    progress.sleeper(clock.advance)(2.5)  # redrawn every second while waiting
    progress.on_job(job("in_progress"))
    progress.on_bytes(500_000, 1_000_000)
    progress.on_bytes(1_000_000, 1_000_000)
    progress.close()
    text = stream.getvalue()
    assert "\r[00:00] job abc pending\x1b[K" in text
    assert "\r[00:02] job abc pending\x1b[K" in text
    assert "\r[00:02] job abc in_progress\x1b[K\n" in text
    assert "downloading 1.0 MB / 1.0 MB (100%)" in text
    assert text.endswith("\n")


def test_plain_progress_prints_changes_only() -> None:
    clock = VirtualClock()
    stream = io.StringIO()
    progress = Progress(stream, clock.now, live=False)
    progress.sleeper(clock.advance)(60)
    assert stream.getvalue() == ""  # no redraws in a log
    assert clock.now() - progress.started == 60
    for status in ("pending", "pending", "in_progress", "in_progress", "completed"):
        progress.on_job(job(status))
        clock.advance(5)
    for done in range(0, 1_000_001, 100_000):
        progress.on_bytes(done, 1_000_000)
    lines = stream.getvalue().splitlines()
    assert [line.split("] ")[1] for line in lines] == [
        "job abc pending",
        "job abc in_progress",
        "job abc completed",
        "downloading 0 kB / 1.0 MB (0%)",
        "downloading 0.3 MB / 1.0 MB (30%)",
        "downloading 0.5 MB / 1.0 MB (50%)",
        "downloading 0.8 MB / 1.0 MB (80%)",
        "downloading 1.0 MB / 1.0 MB (100%)",
    ]
    assert "\r" not in stream.getvalue()


def test_generate_over_a_real_socket(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The lead's acceptance run, `--base-url http://127.0.0.1:PORT/api/v1`, on a virtual clock."""
    clock = VirtualClock()
    out = tmp_path / "x.mp4"
    with MockServer(MockConfig(scenario="happy"), clock=clock) as server:
        argv = [*GENERATE, "--duration", "4", "--out", str(out), "--base-url", server.base_url]
        code = main([*argv, "--api-key", new_api_key(5)], sleep=clock.advance, clock=clock.now)
    assert code == 0, capsys.readouterr().err
    assert out.read_bytes()[4:8] == b"ftyp"
