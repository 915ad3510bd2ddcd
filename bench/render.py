"""`python -m bench.render`: what a rendered download costs, in process (no socket).

For 480p, 720p, 1080p and 4K at 4 s and 8 s (16:9, with audio), it times:

- the first download of a job whose shape the process has not rendered yet (the loop
  segment is encoded too), and of a second job of the same shape (only its intro and last
  frame are encoded);
- the cached download rate in MB/s, against the fixture download of `--render off` (the bare
  baseline: one dict lookup and a copy of a 30 KB file).

Bounded: one cold and one warm render per row, and `--seconds` of cached downloads each.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from typing import Any

import httpx

from mockserver import MockConfig, VirtualClock, create_app, new_api_key
from mockserver.media import _encode

BASE = "http://bench/api/v1"
SHAPES: tuple[tuple[str, str, str], ...] = (
    ("480p", "bytedance/seedance-2.0", "480p"),
    ("720p", "google/veo-3.1", "720p"),
    ("1080p", "google/veo-3.1", "1080p"),
    ("4K", "google/veo-3.1", "4K"),
)


class Bench:
    def __init__(self, render: str) -> None:
        self.clock = VirtualClock()
        app = create_app(MockConfig(scenario="fast", render=render), clock=self.clock)
        headers = {"Authorization": f"Bearer {new_api_key('bench')}"}
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, headers=headers)

    async def job_url(self, body: dict[str, Any]) -> str:
        job = (await self.http.post("/videos", json=body)).json()
        self.clock.advance(3600)
        url: str = (await self.http.get(job["polling_url"])).json()["unsigned_urls"][0]
        return url

    async def first_ms(self, url: str) -> tuple[float, float, int]:
        """Wall and CPU milliseconds of one download (CPU: every thread of the process), and its size."""
        started, cpu = time.perf_counter(), time.process_time()
        response = await self.http.get(url)
        assert response.status_code == 200, response.text
        return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000, len(response.content)

    async def mb_per_s(self, url: str, seconds: float) -> float:
        total, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            total += len((await self.http.get(url)).content)
        return total / (time.perf_counter() - started) / 1e6


def _body(model: str, resolution: str, duration: int, prompt: str) -> dict[str, Any]:
    return {"model": model, "prompt": prompt, "resolution": resolution, "duration": duration, "generate_audio": True}


async def run(seconds: float) -> list[dict[str, Any]]:
    rendered, bare = Bench("on"), Bench("off")
    rows = []
    for label, model, resolution in SHAPES:
        for duration in (4, 8):
            _encode._loop_packets.cache_clear()  # this shape's first render in the process
            cold, cold_cpu, size = await rendered.first_ms(
                await rendered.job_url(_body(model, resolution, duration, "a"))
            )
            warm, warm_cpu, _ = await rendered.first_ms(await rendered.job_url(_body(model, resolution, duration, "b")))
            url = await rendered.job_url(_body(model, resolution, duration, "c"))
            await rendered.first_ms(url)
            cached_ms, _, _ = await rendered.first_ms(url)
            cached = await rendered.mb_per_s(url, seconds)
            bare_url = await bare.job_url(_body(model, resolution, duration, "c"))
            await bare.first_ms(bare_url)
            bare_ms, _, _ = await bare.first_ms(bare_url)
            baseline = await bare.mb_per_s(bare_url, seconds)
            rows.append(
                {
                    "shape": f"{label} {duration} s",
                    "MB": size / 1e6,
                    "cold": (cold, cold_cpu),
                    "warm": (warm, warm_cpu),
                    "cached ms": cached_ms,
                    "fixture ms": bare_ms,
                    "cached MB/s": cached,
                    "fixture MB/s": baseline,
                }
            )
    await rendered.http.aclose()
    await bare.http.aclose()
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| shape | file MB | first download, new shape (CPU) | first download, known shape (CPU) "
        "| cached download (fixture; ratio) | cached MB/s (fixture MB/s; ratio) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        (cold, cold_cpu), (warm, warm_cpu) = row["cold"], row["warm"]
        lines.append(
            f"| {row['shape']} | {row['MB']:.2f} | {cold:.0f} ms ({cold_cpu:.0f}) | {warm:.0f} ms ({warm_cpu:.0f}) "
            f"| {row['cached ms']:.2f} ms ({row['fixture ms']:.2f}; {row['cached ms'] / row['fixture ms']:.1f}x) "
            f"| {row['cached MB/s']:.0f} ({row['fixture MB/s']:.0f}; {row['cached MB/s'] / row['fixture MB/s']:.0f}x) |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=0.5, help="cached downloads per row (default 0.5 s)")
    args = parser.parse_args()
    started = time.perf_counter()
    rows = asyncio.run(run(args.seconds))
    print(table(rows))
    print(f"\n{os.cpu_count()} CPUs, {time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
