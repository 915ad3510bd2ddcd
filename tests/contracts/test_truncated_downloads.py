"""`assert_no_truncated_downloads`: an app that keeps a cut-off video fails it; resuming passes.

The rule reads the bytes the mock sent per answer (`Exchange.body_bytes`): pieces of one output
must cover it from its first byte to its last.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from client import ModelGates
from contracts.pytest_plugin import journal
from contracts.pytest_plugin.fixtures import ModelGatesMock
from contracts.pytest_plugin.recording import Exchange
from mockserver import new_api_key

BODY: dict[str, Any] = {"model": "google/veo-3.1-lite", "prompt": "a greenhouse at dawn", "duration": 4}
T = journal.Timeline(1000.0)
CONTENT = "/api/v1/videos/J/content"


@pytest.fixture
def mock() -> Iterator[ModelGatesMock]:
    handle = ModelGatesMock(scenario="truncated-download", seed=3, api_key=new_api_key("truncated"))
    yield handle
    handle.close()
    handle.raise_errors()


def careless_app(mock: ModelGatesMock, to: Path) -> None:
    """Submits, waits, downloads once and keeps whatever arrived: the bug the rule is for."""
    http = mock.client
    job = http.post("/videos", json=BODY, headers=mock.headers).json()
    mock.advance(600)
    done = http.get(f"/videos/{job['id']}", headers=mock.headers).json()
    with to.open("wb") as file, http.stream("GET", done["unsigned_urls"][0], headers=mock.headers) as response:
        try:
            for chunk in response.iter_bytes():
                file.write(chunk)
        except httpx.HTTPError:
            pass  # "the video is probably fine"


def test_an_app_that_keeps_a_cut_file_fails(mock: ModelGatesMock, tmp_path: Path) -> None:
    careless_app(mock, tmp_path / "out.mp4")
    video = mock.exchanges()[-1]
    size = int(video.response_headers["content-length"])
    assert (tmp_path / "out.mp4").stat().st_size == video.body_bytes == int(size * 0.4)
    with pytest.raises(AssertionError, match=rf"kept a download that was cut short:\n.*{video.body_bytes} of {size}"):
        mock.assert_no_truncated_downloads()
    mock.assert_downloaded_each_output_once()  # the other rule cannot see it: one 200 came


def test_the_reference_client_passes(mock: ModelGatesMock) -> None:
    with ModelGates(api_key=mock.api_key, base_url=mock.base_url, transport=mock.transport, sleep=mock.advance) as mg:
        mg.generate(**BODY, to=io.BytesIO(), interval=10)
    mock.assert_no_truncated_downloads()


def piece(seq: int, status: int, sent: int, **headers: str) -> Exchange:
    return Exchange(seq, 1000.0 + seq, "GET", CONTENT, "index=0", {}, b"", status, headers, body_bytes=sent)


def test_the_pieces_must_leave_no_gap() -> None:
    cut = piece(1, 200, 400, **{"content-length": "1000"})
    rest = piece(2, 206, 600, **{"content-range": "bytes 400-999/1000"})
    late = piece(2, 206, 500, **{"content-range": "bytes 500-999/1000"})
    assert journal.truncated_downloads([cut, rest], T) == []
    named = f"GET {CONTENT}?index=0 at t=+1.0s → 200"
    assert journal.truncated_downloads([cut], T) == [
        f"job J output 0: 400 of 1000 bytes read, never the rest: {named} (400 bytes from 0)"
    ]
    assert len(journal.truncated_downloads([cut, late], T)) == 1  # bytes 400-499 never came
    whole = piece(3, 200, 1000, **{"content-length": "1000"})
    assert journal.truncated_downloads([cut, whole], T) == []  # started over and read it all
