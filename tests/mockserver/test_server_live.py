"""The same engine over a real loopback socket (uvicorn in a thread)."""

from __future__ import annotations

import httpx

from mockserver import MockConfig, MockServer, VirtualClock, new_api_key
from tests.mockserver.helpers import SEED_000_BODY


def test_live_server_on_loopback_serves_the_whole_flow() -> None:
    clock = VirtualClock()
    with MockServer(MockConfig(scenario="happy"), clock=clock) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        headers = {"Authorization": f"Bearer {new_api_key(3)}"}
        with httpx.Client(base_url=server.base_url, headers=headers) as http:
            job = http.post("/videos", json=SEED_000_BODY).json()
            assert job["polling_url"] == f"{server.base_url}/videos/{job['id']}"
            clock.advance(600)
            done = http.get(job["polling_url"]).json()
            video = http.get(done["unsigned_urls"][0], headers={"Range": "bytes=0-15"})
        assert done["status"] == "completed"
        assert video.status_code == 206 and video.content[4:8] == b"ftyp"
        assert not server.controller.errors


def test_stop_releases_the_port() -> None:
    server = MockServer().start()
    url = server.base_url
    server.stop()
    try:
        httpx.get(f"{url}/videos/models", timeout=1)
    except httpx.ConnectError:
        return
    raise AssertionError("the server still answers after stop()")
