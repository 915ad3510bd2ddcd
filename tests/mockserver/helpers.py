"""Shared helpers for the mockserver tests (imported by name: tests/ has no packages)."""

from __future__ import annotations

import queue
import subprocess
import threading
from typing import IO, Any

import httpx

from mockserver import MockConfig, SyncASGITransport, VirtualClock, create_app, mock_controller, new_api_key
from mockserver.http.instance import Instance

BASE = "http://testserver/api/v1"
SEED_000_BODY: dict[str, Any] = {
    "model": "google/veo-3.1-lite",
    "prompt": "A cinematic 4-second shot of a glass greenhouse at sunrise, soft mist, slow dolly-in camera movement",
    "duration": 4,
    "resolution": "720p",
    "aspect_ratio": "16:9",
    "generate_audio": False,
}


class Api:
    """A sync client bound to one in-process mock, with its clock and controller at hand."""

    def __init__(self, scenario: str = "happy", seed: int = 0, **config: Any) -> None:
        self.clock = VirtualClock()
        self.app = create_app(MockConfig(scenario=scenario, seed=seed, **config), clock=self.clock)
        self.control = mock_controller(self.app)  # the front object tests steer the mock by
        self.instance: Instance = self.app.instance  # the wiring, for tests of one component
        self.key = new_api_key(seed)
        self.http = httpx.Client(
            transport=SyncASGITransport(self.app), base_url=BASE, headers={"Authorization": f"Bearer {self.key}"}
        )

    def submit(self, body: dict[str, Any] | None = None, *, key: str | None = None, **headers: str) -> httpx.Response:
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        return self.http.post("/videos", json=body or SEED_000_BODY, headers=headers)

    def job_id(self, body: dict[str, Any] | None = None, **headers: str) -> str:
        response = self.submit(body, **headers)
        assert response.status_code == 202, response.text
        return str(response.json()["id"])

    def poll(self, job_id: str) -> httpx.Response:
        return self.http.get(f"/videos/{job_id}")

    def completed_job(self) -> str:
        job_id = self.job_id()
        self.clock.advance(3600)
        assert self.poll(job_id).json()["status"] == "completed"
        return job_id

    def close(self) -> None:
        self.http.close()


def assert_envelope(response: httpx.Response, status: int) -> dict[str, Any]:
    """The API's error shape, with code == status; returns `error` for further checks."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == status
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return dict(body["error"])


class ProcessLines:
    """A process's output line by line, each read with a deadline (a reader thread that ends at EOF)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._queue: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None
        self._reader = threading.Thread(target=self._pump, args=(process.stdout,), daemon=True)
        self._reader.start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line)

    def next(self, timeout: float = 10) -> str:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no output within {timeout} s") from None

    def join(self, timeout: float = 10) -> None:
        """Wait for EOF (the process closed its output), so the pipe can be closed under nobody's feet."""
        self._reader.join(timeout)

    def rest(self, timeout: float = 10) -> str:
        """What the process printed after the lines read so far, once it has closed its output."""
        self.join(timeout)
        lines = []
        while not self._queue.empty():
            lines.append(self._queue.get_nowait())
        return "".join(lines)
