"""Server processes for the comparison: spawn, time to the first 200, RSS, stop. Loopback only."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Running", "free_port", "mock_unless_given", "request", "start_bare", "start_mock"]

STARTUP_DEADLINE = 30.0
MODELS = "/api/v1/videos/models"
REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def request(
    port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass
class Running:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    startup_s: float

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_s(self) -> float:
        """CPU time the process has run so far (all its threads), from the scheduler's own count."""
        return int(Path(f"/proc/{self.process.pid}/schedstat").read_text().split()[0]) / 1e9

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def _spawn(name: str, args: list[str], port: int) -> Running:
    """Start the process and time it to the first 200 on the models route (bounded)."""
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
    deadline = started + STARTUP_DEADLINE
    while time.perf_counter() < deadline and process.poll() is None:
        try:
            if request(port, "GET", MODELS)[0] == 200:
                return Running(name, process, port, time.perf_counter() - started)
        except OSError:
            time.sleep(0.002)  # not listening yet; bounded by the deadline
    process.kill()
    raise RuntimeError(f"{name} did not answer 200 within {STARTUP_DEADLINE}s")


def start_mock(extra: list[str] | None = None) -> Running:
    port = free_port()
    # --render off: the comparison is the server's own overhead on the bare app's bytes (the
    # fixture MP4s); what rendering costs is `python -m bench.render`'s to say.
    args = [sys.executable, "-m", "mockserver", "--port", str(port), "--speed", "1000", "--render", "off"]
    args += extra or []
    return _spawn("mockserver", args, port)


@contextlib.contextmanager
def mock_unless_given(url: str | None) -> Iterator[tuple[str, Running | None]]:
    """(`url`, None) when a running mock is given; else a mock CLI started for the run (its root
    URL, and the server), stopped afterwards."""
    if url is not None:
        yield url, None
        return
    server = start_mock()  # --speed 1000: a 2-minute job takes 0.12 s
    try:
        yield server.url, server
    finally:
        server.stop()


def start_bare(bodies: Path) -> Running:
    port = free_port()
    args = [sys.executable, "-m", "bench.bare_app", "--port", str(port), "--bodies", str(bodies)]
    return _spawn("bare", args, port)


def wait_completed(port: int, job_id: str, headers: dict[str, str], deadline_s: float = 30.0) -> bytes:
    """Poll until the job completes (the mock runs at --speed 1000, so well under a second)."""
    deadline = time.perf_counter() + deadline_s
    while time.perf_counter() < deadline:
        status, body = request(port, "GET", f"/api/v1/videos/{job_id}", headers=headers)
        if status == 200 and json.loads(body)["status"] == "completed":
            return body
        time.sleep(0.02)  # bounded by the deadline
    raise RuntimeError(f"job {job_id} did not complete in {deadline_s}s")
