"""Server processes for the comparison: spawn, time to the first 200, RSS, stop. Loopback only.

Besides the mock and the bare app, an optional peer: aimock (`@copilotkit/aimock` on npm, a Node
mock server that also fakes this video API), installed on first use at a pinned version into a
cache directory outside the repository (`ensure_aimock`), and skipped when node or npm is missing.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "AIMOCK_CONFIG",
    "AIMOCK_VERSION",
    "Running",
    "aimock_dir",
    "ensure_aimock",
    "free_port",
    "mock_unless_given",
    "request",
    "start_aimock",
    "start_bare",
    "start_mock",
    "write_aimock_config",
]

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


def _spawn(name: str, args: list[str], port: int, ready_headers: dict[str, str] | None = None) -> Running:
    """Start the process and time it to the first 200 on the models route (bounded)."""
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
    deadline = started + STARTUP_DEADLINE
    while time.perf_counter() < deadline and process.poll() is None:
        try:
            if request(port, "GET", MODELS, headers=ready_headers)[0] == 200:
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


# --- aimock: the closest peer, a Node mock of the same video API (optional) -------------------------

AIMOCK_PACKAGE = "@copilotkit/aimock"
AIMOCK_VERSION = "1.43.0"  # pinned: a new release is a new comparison, bumped on purpose
AIMOCK_NODE = (20, 15)  # the package's `engines`
AIMOCK_CONFIG = "aimock.json"
AIMOCK_FIXTURES = "aimock-fixtures.json"


def aimock_dir() -> Path:
    """Where the pinned aimock is installed: `$XDG_CACHE_HOME/modelgates-mock-bench/aimock`."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "modelgates-mock-bench" / "aimock"


def _aimock_cli() -> Path:
    return aimock_dir() / "node_modules" / AIMOCK_PACKAGE / "dist" / "aimock-cli.js"


def _installed_aimock_version() -> str | None:
    manifest = aimock_dir() / "node_modules" / AIMOCK_PACKAGE / "package.json"
    try:
        version = json.loads(manifest.read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError):
        return None
    return version if isinstance(version, str) else None


def ensure_aimock() -> str | None:
    """None when aimock AIMOCK_VERSION is ready to start (installing it with npm if needed), else
    why it cannot be (a one-line note: the caller skips the peer, the rest of the run goes on)."""
    node = shutil.which("node")
    if node is None:
        return "node not found"
    try:
        found = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, check=True).stdout
        major, minor = (int(part) for part in found.strip().lstrip("v").split(".")[:2])
    except (OSError, subprocess.SubprocessError, ValueError):
        return "node --version failed"
    if (major, minor) < AIMOCK_NODE:
        return f"node {found.strip()} is older than the {'.'.join(map(str, AIMOCK_NODE))} aimock needs"
    if _installed_aimock_version() == AIMOCK_VERSION and _aimock_cli().is_file():
        return None
    npm = shutil.which("npm")
    if npm is None:
        return f"{AIMOCK_PACKAGE}@{AIMOCK_VERSION} not installed and npm not found"
    folder = aimock_dir()
    folder.mkdir(parents=True, exist_ok=True)
    print(f"installing {AIMOCK_PACKAGE}@{AIMOCK_VERSION} into {folder} (once)", flush=True)
    # --ignore-scripts: the package has no dependencies and needs no install step.
    args = [npm, "install", "--prefix", str(folder), "--save-exact", "--ignore-scripts", "--no-audit", "--no-fund"]
    try:
        subprocess.run(args + [f"{AIMOCK_PACKAGE}@{AIMOCK_VERSION}"], capture_output=True, timeout=300, check=True)
    except (OSError, subprocess.SubprocessError) as error:
        return f"npm install {AIMOCK_PACKAGE}@{AIMOCK_VERSION} failed ({type(error).__name__})"
    if _installed_aimock_version() != AIMOCK_VERSION or not _aimock_cli().is_file():
        return f"npm install left no {AIMOCK_PACKAGE}@{AIMOCK_VERSION} in {folder}"
    return None


def write_aimock_config(bodies: Path, api_key: str, model: str) -> Path:
    """aimock's config for the run, next to the captured bodies: one video fixture for `model`
    whose bytes are the mock's MP4 (so content moves the same bytes on every server), inbound key
    checking on with the bench's key (as the mock checks it), logs at warnings."""
    video = {
        "id": "bench-video",
        "status": "completed",
        "b64": base64.b64encode((bodies / "content.mp4").read_bytes()).decode("ascii"),
    }
    fixtures = {"fixtures": [{"match": {"endpoint": "video", "model": model}, "response": {"video": video}}]}
    (bodies / AIMOCK_FIXTURES).write_text(json.dumps(fixtures), encoding="utf-8")
    config = {
        "auth": {"apiKeys": [api_key]},
        "llm": {"fixtures": str(bodies / AIMOCK_FIXTURES), "logLevel": "warn"},
    }
    path = bodies / AIMOCK_CONFIG
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def start_aimock(config: Path, headers: dict[str, str]) -> Running:
    """`node aimock-cli.js --config ...` (node itself, not npx: its RSS is the server's)."""
    node = shutil.which("node") or "node"
    port = free_port()
    args = [node, str(_aimock_cli()), "--config", str(config), "--port", str(port), "--host", "127.0.0.1"]
    return _spawn("aimock", args, port, ready_headers=headers)
