"""Garbage in, CI-sized: seeded junk on every route, in-process and on a live loopback server."""

from __future__ import annotations

import httpx
import pytest

from bench.fuzz import check_healthy, fuzz
from mockserver import MockConfig, MockServer, SyncASGITransport, VirtualClock, create_app, mock_controller, new_api_key


@pytest.mark.slow
def test_garbage_in_process_never_gets_a_5xx_and_every_error_is_an_envelope() -> None:
    app = create_app(MockConfig(), clock=VirtualClock())
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://testserver") as http:
        report = fuzz(http, seed=1, count=800, deadline=60)
    assert report.failures == []
    assert report.cases == 800
    assert max(report.statuses) < 500
    assert {400, 401, 404, 405} <= set(report.statuses)  # the junk did reach the error paths
    assert mock_controller(app).errors == []


@pytest.mark.slow
def test_garbage_on_a_live_server_leaves_it_healthy() -> None:
    with (
        MockServer(MockConfig(), clock=VirtualClock()) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):
        report = fuzz(http, seed=2, count=400, deadline=60)
        assert report.failures == []
        assert check_healthy(http, new_api_key("after")) is None
        assert server.controller.errors == []
    assert max(report.statuses) < 500


def _submit_raw(body: bytes) -> httpx.Response:
    app = create_app(MockConfig(), clock=VirtualClock())
    headers = {"Authorization": f"Bearer {new_api_key(3)}", "Content-Type": "application/json"}
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://testserver") as http:
        response = http.post("/api/v1/videos", content=body, headers=headers)
    assert mock_controller(app).errors == []
    return response


def test_bodies_the_fuzzer_found_are_400_envelopes_not_500s() -> None:
    found = {
        b"[" * 5000 + b"]" * 5000: "nested too deeply",  # RecursionError in the JSON parser
        b'{"model": "\\ud800"}': "surrogates",  # parses, but is not text (the schema library choked)
        b'{"model": NaN}': "NaN",  # not JSON, and unrenderable if echoed back
        b'{"duration": 1e999}': "out of range",  # overflows to Infinity
    }
    for body, needle in found.items():
        response = _submit_raw(body)
        assert response.status_code == 400, (body[:30], response.text)
        error = response.json()["error"]
        assert error["code"] == 400 and needle in error["message"]
        assert error["metadata"]["param"] == "body"


def test_escaped_emoji_still_parses() -> None:
    body = b'{"model":"google/veo-3.1-lite","prompt":"\\ud83d\\ude00","duration":4}'
    assert _submit_raw(body).status_code == 202
