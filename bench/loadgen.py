"""HTTP load on loopback, bounded in time: `wrk` when present (installed if possible), else asyncio.

Both return a `Load`: requests, seconds, bytes, errors (socket errors and non-2xx), p50/p99 latency.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["Load", "Request", "ensure_wrk", "run_load"]

_WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"bytes":%d,"errors":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect + e.read + e.write + e.timeout + e.status,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes = b""


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    bytes: int
    errors: int
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def mb_per_s(self) -> float:
        return self.bytes / self.seconds / 1e6


def ensure_wrk() -> str | None:
    """Path of `wrk`; installs Debian's package when missing and we are root. None: use asyncio."""
    found = shutil.which("wrk")
    if found or os.environ.get("BENCH_NO_WRK"):
        return None if os.environ.get("BENCH_NO_WRK") else found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        for args in (["apt-get", "update"], ["apt-get", "install", "-y", "wrk"]):
            subprocess.run(args, check=False, timeout=300, capture_output=True)
    return shutil.which("wrk")


def run_load(wrk: str | None, request: Request, connections: int, seconds: float) -> Load:
    if wrk is not None:
        return _wrk(wrk, request, connections, seconds)
    return asyncio.run(_async_load(request, connections, seconds))


def _wrk(wrk: str, request: Request, connections: int, seconds: float) -> Load:
    lua = _WRK_REPORT
    lua += f"wrk.method = {json.dumps(request.method)}\n"
    if request.body:
        lua += f"wrk.body = {json.dumps(request.body.decode())}\n"
    for name, value in request.headers.items():
        lua += f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}\n"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        args = [wrk, "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "5s", "-s", script.name, request.url]
        out = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    finally:
        Path(script.name).unlink()
    line = next(line for line in out.splitlines() if line.startswith("BENCH "))
    data = json.loads(line[6:])
    return Load(
        data["requests"],
        data["duration_us"] / 1e6,
        data["bytes"],
        data["errors"],
        data["p50_us"] / 1000,
        data["p99_us"] / 1000,
    )


# --- the fallback: keep-alive HTTP/1.1 on raw asyncio streams ------------------------------------


def _raw(request: Request) -> tuple[str, int, bytes]:
    parts = urlsplit(request.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    head = f"{request.method} {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: {len(request.body)}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in request.headers.items())
    return parts.hostname or "127.0.0.1", parts.port or 80, (head + "\r\n").encode() + request.body


async def _one_connection(raw: tuple[str, int, bytes], stop: float, out: list[tuple[float, int, bool]]) -> None:
    host, port, payload = raw
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < stop:
            started = time.perf_counter()
            writer.write(payload)
            status_line = await asyncio.wait_for(reader.readline(), 5)
            length = 0
            while (line := await asyncio.wait_for(reader.readline(), 5)) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            body = await asyncio.wait_for(reader.readexactly(length), 5)
            ok = status_line[9:10] == b"2"
            out.append((time.perf_counter() - started, len(body), ok))
    finally:
        writer.close()


async def _async_load(request: Request, connections: int, seconds: float) -> Load:
    raw = _raw(request)
    samples: list[tuple[float, int, bool]] = []
    started = time.perf_counter()
    stop = started + seconds
    results = await asyncio.gather(
        *(_one_connection(raw, stop, samples) for _ in range(connections)), return_exceptions=True
    )
    elapsed = time.perf_counter() - started
    latencies = sorted(sample[0] for sample in samples) or [0.0]
    errors = sum(1 for r in results if isinstance(r, BaseException)) + sum(1 for s in samples if not s[2])
    return Load(
        len(samples),
        elapsed,
        sum(s[1] for s in samples),
        errors,
        latencies[len(latencies) // 2] * 1000,
        latencies[int(len(latencies) * 0.99)] * 1000,
    )
