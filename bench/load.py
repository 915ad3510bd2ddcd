"""Load without loss: many clients submit, poll and download jobs of mixed scenarios at once.

Every job must end at its scenario's terminal status, every error must be one its scenario
injects on purpose, and no key may read another key's job. Bounded: each job polls at most
`MAX_POLLS` times and the whole run has a deadline.

    python -m bench.load                       # 200 clients, 2,000 jobs, against `mockserver --speed 1000`
    python -m bench.load --clients 20 --jobs 100 --url http://127.0.0.1:8000/api/v1

`tests/load/test_load_small.py` runs a small configuration against an in-process `MockServer`
on a virtual clock (`advance` moves it instead of waiting).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from mockserver import new_api_key

__all__ = ["EXPECTED_TERMINAL", "LoadReport", "run", "run_load"]

BODY = {"model": "google/veo-3.1-lite", "prompt": "load", "duration": 4, "resolution": "720p", "aspect_ratio": "16:9"}
# scenario -> the status its jobs must end in
EXPECTED_TERMINAL = {
    "happy": "completed",
    "fast": "completed",
    "observed": "completed",
    "flaky-poll": "completed",
    "flaky-content": "completed",
    "fail": "failed",
    "expire": "expired",
    "cancel": "cancelled",
}
# (scenario, operation) -> the status its faults answer on purpose
EXPECTED_FAULTS = {("flaky-poll", "poll"): 500, ("flaky-content", "content"): 502}
MAX_POLLS = 400
MAX_DOWNLOADS = 5


@dataclass
class LoadReport:
    jobs: int = 0
    requests: int = 0
    seconds: float = 0.0
    finished: Counter[str] = field(default_factory=Counter)
    expected_faults: int = 0
    unexpected: list[str] = field(default_factory=list)
    wrong_terminal: list[str] = field(default_factory=list)
    cross_tenant_reads: int = 0

    @property
    def ok(self) -> bool:
        return not self.unexpected and not self.wrong_terminal and self.cross_tenant_reads == 0

    def summary(self) -> str:
        return (
            f"{self.jobs} jobs, {self.requests} requests in {self.seconds:.2f} s "
            f"({self.requests / max(self.seconds, 1e-9):,.0f} req/s); terminal {dict(self.finished)}; "
            f"expected faults {self.expected_faults}; unexpected errors {len(self.unexpected)}; "
            f"wrong terminal {len(self.wrong_terminal)}; cross-tenant reads {self.cross_tenant_reads}"
        )


class _Run:
    def __init__(
        self, http: httpx.AsyncClient, report: LoadReport, advance: Callable[[float], object] | None, pause: float
    ) -> None:
        self.http, self.report, self.advance, self.pause = http, report, advance, pause

    async def call(
        self, method: str, url: str, key: str, scenario: str | None = None, **kwargs: object
    ) -> httpx.Response:
        self.report.requests += 1
        headers = {"Authorization": f"Bearer {key}"}
        if scenario is not None:
            headers["X-Mock-Scenario"] = scenario
        return await self.http.request(method, url, headers=headers, **kwargs)  # type: ignore[arg-type]

    def check(self, response: httpx.Response, want: int, scenario: str, operation: str) -> bool:
        """True when `response` is `want`; an injected fault is counted, anything else reported."""
        if response.status_code == want:
            return True
        if EXPECTED_FAULTS.get((scenario, operation)) == response.status_code:
            self.report.expected_faults += 1
        else:
            self.report.unexpected.append(f"{operation} {scenario}: {response.status_code} {response.text[:200]}")
        return False

    async def wait(self) -> None:
        if self.advance is not None:
            self.advance(30)
            await asyncio.sleep(0)
        else:
            await asyncio.sleep(self.pause)

    async def job(self, key: str, other_key: str, scenario: str) -> None:
        response = await self.call("POST", "/videos", key, scenario, json=BODY)
        if not self.check(response, 202, scenario, "submit"):
            return
        job_id = response.json()["id"]
        if (await self.call("GET", f"/videos/{job_id}", other_key)).status_code != 404:
            self.report.cross_tenant_reads += 1
        status = await self.poll(key, job_id, scenario)
        self.report.finished[status] += 1
        if status != EXPECTED_TERMINAL[scenario]:
            self.report.wrong_terminal.append(f"{job_id} {scenario}: {status}")
        elif status == "completed":
            await self.download(key, job_id, scenario)

    async def poll(self, key: str, job_id: str, scenario: str) -> str:
        for _ in range(MAX_POLLS):
            response = await self.call("GET", f"/videos/{job_id}", key)
            if self.check(response, 200, scenario, "poll"):
                status = str(response.json()["status"])
                if status not in ("pending", "in_progress"):
                    return status
                await self.wait()
        return "still running after max polls"

    async def download(self, key: str, job_id: str, scenario: str) -> None:
        for _ in range(MAX_DOWNLOADS):
            response = await self.call("GET", f"/videos/{job_id}/content", key, params={"index": 0})
            if self.check(response, 200, scenario, "content"):
                if not response.content.startswith(b"\x00\x00\x00") or b"ftyp" not in response.content[:16]:
                    self.report.unexpected.append(f"content {job_id}: not an MP4")
                return
        self.report.unexpected.append(f"content {job_id}: no 200 in {MAX_DOWNLOADS} tries")


async def run_load(
    base_url: str,
    *,
    clients: int,
    jobs: int,
    deadline: float = 120.0,
    advance: Callable[[float], object] | None = None,
    pause: float = 0.02,
    scenarios: tuple[str, ...] = tuple(EXPECTED_TERMINAL),
) -> LoadReport:
    """`clients` keys work through `jobs` jobs (scenarios round-robin) at once, within `deadline` s.

    `advance(seconds)` moves a virtual clock between polls; without it each client sleeps `pause`.
    """
    report = LoadReport(jobs=jobs)
    keys = [new_api_key(f"load-{index}") for index in range(clients)]
    work = iter(range(jobs))
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=10) as http:
        runner = _Run(http, report, advance, pause)

        async def client(index: int) -> None:
            for number in work:  # shared: each job is taken by exactly one client
                scenario = scenarios[number % len(scenarios)]
                await runner.job(keys[index], keys[(index + 1) % clients], scenario)

        try:
            await asyncio.wait_for(asyncio.gather(*(client(i) for i in range(clients))), deadline)
        except TimeoutError:
            report.unexpected.append(f"deadline of {deadline} s reached")
    report.seconds = time.perf_counter() - started
    return report


def run(base_url: str, **options: object) -> LoadReport:
    return asyncio.run(run_load(base_url, **options))  # type: ignore[arg-type]


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--deadline", type=float, default=300.0, help="seconds before the run gives up")
    parser.add_argument("--url", help="an already running mock's /api/v1 base (default: start the CLI)")
    args = parser.parse_args()
    from .servers import mock_unless_given

    with mock_unless_given(args.url) as (url, server):
        base = url if server is None else f"{url}/api/v1"  # --url is the API base; a started mock, its root
        report = run(base, clients=args.clients, jobs=args.jobs, deadline=args.deadline)
        print(report.summary())
        if server is not None:
            print(f"server RSS after the run: {server.rss_mb():.1f} MB")
        for line in itertools.islice(report.unexpected + report.wrong_terminal, 20):
            print("  ", line)
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
