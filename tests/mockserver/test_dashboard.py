"""The dashboard in headless Chromium: it renders every job with its status, and a screenshot is kept.

Chromium is Debian's `chromium` (`.ci/run` installs it). Without it the test is skipped locally
and fails in CI (`CI` set), so a CI run can never pass without having looked at the page.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver import OPERATOR, MockConfig, MockServer, VirtualClock, mock_controller, new_api_key
from tests.mockserver.helpers import SEED_000_BODY

ADMIN = "mg-admin-" + "cd" * 16
WIDTH, HEIGHT = 1280, 900
HOOK = "https://hooks.example.com/modelgates"
ARTIFACTS = Path(os.environ.get("MODELGATES_ARTIFACTS") or Path(__file__).resolve().parents[2] / "artifacts")


def _chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed, and CI must run the dashboard test")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


@pytest.fixture
def server() -> Iterator[tuple[MockServer, dict[str, str]]]:
    """A live mock with jobs in four states: completed, in progress, failed (twice), pending."""
    clock = VirtualClock()
    with MockServer(MockConfig(admin_token=ADMIN), clock=clock) as live:
        control = mock_controller(live.app)
        keys = [new_api_key("dash-1"), new_api_key("dash-2")]
        ids: list[str] = []
        with httpx.Client(base_url=live.base_url, timeout=10) as http:
            for index, scenario in enumerate(["fast", "slow-then-fail", "fail", "happy"]):
                headers = {"Authorization": f"Bearer {keys[index % 2]}", "X-Mock-Scenario": scenario}
                # The fast job's webhook goes to a host the mock never contacts: a `blocked` delivery.
                body = {**SEED_000_BODY, "callback_url": HOOK} if scenario == "fast" else SEED_000_BODY
                response = http.post("/videos", json=body, headers=headers)
                assert response.status_code == 202, response.text
                ids.append(response.json()["id"])
            control.advance_job(OPERATOR, ids[3], "failed", "Content policy <b>violation</b>")  # escaped, not HTML
            control.advance_clock(OPERATOR, 12)  # fast completes, fail fails, slow-then-fail is still queued
            pending = http.post("/videos", json=SEED_000_BODY, headers={"Authorization": f"Bearer {keys[0]}"})
            ids.append(pending.json()["id"])
            control.advance_job(OPERATOR, ids[1], "in_progress")
        statuses = {job.id: job.status.value for job in control.jobs(OPERATOR)}
        assert sorted(statuses.values()) == ["completed", "failed", "failed", "in_progress", "pending"]
        yield live, statuses


def _run_chromium(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--no-first-run",
        "--no-default-browser-check",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=5000",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def _png_pixels(data: bytes) -> tuple[int, int, set[bytes]]:
    """Width, height and the distinct pixels of an 8-bit RGB/RGBA PNG (parsed here, no imaging library)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    chunks: dict[bytes, bytes] = {}
    offset = 8
    idat = b""
    while offset < len(data):  # bounded: every chunk moves `offset` forward by at least 12 bytes
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind, body = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]
        idat += body if kind == b"IDAT" else b""
        chunks.setdefault(kind, body)
        offset += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    channels = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * channels + 1
    assert len(raw) == stride * height
    # Filter bytes aside, raw scanline bytes still tell a blank page (one value) from a real one.
    pixels = {
        raw[row * stride + 1 + i : row * stride + 1 + i + channels]
        for row in range(0, height, 7)
        for i in range(0, width * channels, channels * 5)
    }
    return width, height, pixels


def test_the_dashboard_shows_every_job_and_keeps_a_screenshot(
    server: tuple[MockServer, dict[str, str]], tmp_path: Path
) -> None:
    chromium = _chromium()
    live, statuses = server
    url = f"{live.url}/_mock/#token={ADMIN}"
    dom = _run_chromium(chromium, tmp_path / "profile", "--dump-dom", url).stdout
    for job_id, status in statuses.items():
        row = dom.split(f'data-job="{job_id}"', 1)
        assert len(row) == 2, f"job {job_id} is not on the page"
        assert row[1].split("</tr>", 1)[0].count(f"s-{status}") == 1, f"job {job_id} does not show {status}"
    assert "Content policy &lt;b&gt;violation&lt;/b&gt;" in dom  # text, never markup
    assert "/api/v1/videos" in dom  # the journal tail
    assert HOOK in dom and "blocked" in dom  # the webhook deliveries

    shot = tmp_path / "dashboard.png"
    _run_chromium(chromium, tmp_path / "profile", f"--screenshot={shot}", f"--window-size={WIDTH},{HEIGHT}", url)
    width, height, pixels = _png_pixels(shot.read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)
    assert len(pixels) > 20, "the screenshot is blank"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    kept = ARTIFACTS / "dashboard.png"
    shutil.copyfile(shot, kept)
    print(f"dashboard screenshot: {kept}")


def test_without_a_token_the_dashboard_says_jobs_exist(
    server: tuple[MockServer, dict[str, str]], tmp_path: Path
) -> None:
    chromium = _chromium()
    live, statuses = server
    dom = _run_chromium(chromium, tmp_path / "profile", "--dump-dom", f"{live.url}/_mock/").stdout
    assert f"This mock holds {len(statuses)} job(s); sign in to see them." in dom
    assert "No jobs yet" not in dom.split('id="jobs-empty"')[0]  # nothing claims the mock is empty
