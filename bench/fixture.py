"""`python -m bench.fixture`: what the pytest fixture costs a test, against plain httpx mocks.

Three ways to answer the same client code, measured side by side in one run:

- `modelgates_mock`: the plugin's in-process mock (`contracts.pytest_plugin.fixtures.ModelGatesMock`) through
  its `transport` / `async_transport`, journaling and recording as in a test;
- `httpx.MockTransport` answering fixed bytes (the floor: httpx's own client cost);
- `respx` routes answering the same fixed bytes (what a downstream suite would write by hand).

Figures: one poll (sync and async), a downstream-style test (fixture set-up, submit, 60 polls
advancing the clock, one MP4 download, teardown), and the fixture's set-up alone. Each round
runs every variant back to back (the machine drifts); a figure is the median over rounds of each
round's median, and a ratio the median of the rounds' own ratios. Bounded by `--rounds` and
`--repeat`; nothing leaves the process.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from contracts.pytest_plugin.fixtures import ModelGatesMock
from mockserver import new_api_key

__all__ = ["Canned", "figures", "main", "poll_round", "workflow_round"]

BODY = {"model": "google/veo-3.1-lite", "prompt": "x", "duration": 4, "resolution": "720p", "aspect_ratio": "16:9"}
KEY = new_api_key("bench-fixture")
BASE = "http://testserver/api/v1"
POLLS = 60


class Canned:
    """The bytes the mock answers (captured from it once), for the static mocks to answer."""

    def __init__(self) -> None:
        mock = ModelGatesMock(scenario="happy", seed=0, api_key=KEY)
        http = httpx.Client(transport=mock.transport, base_url=BASE, headers=mock.headers)
        submitted = http.post("/videos", json=BODY)
        self.job_id = submitted.json()["id"]
        self.submit = submitted.content
        mock.advance(600)
        self.poll = http.get(f"/videos/{self.job_id}").content
        self.video = http.get(f"/videos/{self.job_id}/content").content
        http.close()
        mock.close()


def _static_handler(canned: Canned) -> Callable[[httpx.Request], httpx.Response]:
    json_type = {"content-type": "application/json"}

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "POST":
            return httpx.Response(202, content=canned.submit, headers=json_type)
        if path.endswith("/content"):
            return httpx.Response(200, content=canned.video, headers={"content-type": "video/mp4"})
        return httpx.Response(200, content=canned.poll, headers=json_type)

    return handler


@contextmanager
def _respx_router(canned: Canned) -> Iterator[Any]:
    import respx

    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        json_type = {"content-type": "application/json"}
        router.post("/videos").respond(202, content=canned.submit, headers=json_type)
        video_type = {"content-type": "video/mp4"}
        router.get(f"/videos/{canned.job_id}/content").respond(200, content=canned.video, headers=video_type)
        router.get(f"/videos/{canned.job_id}").respond(200, content=canned.poll, headers=json_type)
        yield router


def _workflow(http: httpx.Client, sleep: Callable[[float], None]) -> None:
    """A downstream app's job: submit, poll (sleeping between polls), download."""
    job_id = http.post("/videos", json=BODY).json()["id"]
    for _ in range(POLLS):
        http.get(f"/videos/{job_id}").raise_for_status()
        sleep(2.0)
    assert len(http.get(f"/videos/{job_id}/content").content) > 1000


def _no_sleep(_seconds: float) -> None:
    pass


def _timed_ms(action: Callable[[], None], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _interleaved_us(calls: dict[str, Callable[[], object]], batches: int, size: int) -> dict[str, float]:
    """Median µs per call over `batches` batches of `size` calls, the variants' batches taken in turn
    (the machine's speed drifts within a second: every variant sees the same drift)."""
    timings: dict[str, list[float]] = {name: [] for name in calls}
    for call in calls.values():
        for _ in range(size):
            call()
    for _ in range(batches):
        for name, call in calls.items():
            started = time.perf_counter()
            for _ in range(size):
                call()
            timings[name].append((time.perf_counter() - started) / size * 1e6)
    return {name: statistics.median(values) for name, values in timings.items()}


def poll_round(canned: Canned, count: int) -> dict[str, float]:
    """µs per poll through each transport (one client each, warmed up)."""
    mock = ModelGatesMock(scenario="happy", seed=0, api_key=KEY)
    with httpx.Client(transport=mock.transport, base_url=BASE, headers=mock.headers) as http:
        job_id = http.post("/videos", json=BODY).json()["id"]
        mock.advance(600)
        # The same request three ways: an app always sends its key (one header more for httpx to merge).
        plain = httpx.Client(
            transport=httpx.MockTransport(_static_handler(canned)), base_url=BASE, headers=mock.headers
        )
        with _respx_router(canned), httpx.Client(base_url=BASE, headers=mock.headers) as mocked:
            results = _interleaved_us(
                {
                    "modelgates_mock": lambda: http.get(f"/videos/{job_id}"),
                    "httpx.MockTransport": lambda: plain.get(f"/videos/{canned.job_id}"),
                    "respx": lambda: mocked.get(f"/videos/{canned.job_id}"),
                },
                batches=max(1, count // 50),
                size=50,
            )
        plain.close()
    mock.close()
    return results


def async_poll_round(canned: Canned, count: int) -> dict[str, float]:
    async def measure() -> dict[str, float]:
        mock = ModelGatesMock(scenario="happy", seed=0, api_key=KEY)
        async with httpx.AsyncClient(transport=mock.async_transport, base_url=BASE, headers=mock.headers) as http:
            job_id = (await http.post("/videos", json=BODY)).json()["id"]
            mock.advance(600)
            plain = httpx.AsyncClient(
                transport=httpx.MockTransport(_static_handler(canned)), base_url=BASE, headers=mock.headers
            )
            with _respx_router(canned):
                mocked = httpx.AsyncClient(base_url=BASE, headers=mock.headers)
                calls = {
                    "modelgates_mock": (http, f"/videos/{job_id}"),
                    "httpx.MockTransport": (plain, f"/videos/{canned.job_id}"),
                    "respx": (mocked, f"/videos/{canned.job_id}"),
                }
                timings: dict[str, list[float]] = {name: [] for name in calls}
                for batch in range(max(1, count // 50) + 1):
                    for name, (client, path) in calls.items():
                        started = time.perf_counter()
                        for _ in range(50):
                            await client.get(path)
                        if batch:  # the first batch warms up
                            timings[name].append((time.perf_counter() - started) / 50 * 1e6)
                results = {name: statistics.median(values) for name, values in timings.items()}
                await mocked.aclose()
            await plain.aclose()
        mock.close()
        return results

    return asyncio.run(measure())


def workflow_round(canned: Canned, repeat: int) -> dict[str, float]:
    """ms per downstream test, set-up and teardown included."""

    def with_fixture() -> None:
        mock = ModelGatesMock(scenario="happy", seed=0, api_key=KEY)
        with httpx.Client(transport=mock.transport, base_url=BASE, headers=mock.headers) as http:
            _workflow(http, mock.advance)
        mock.close()
        mock.raise_errors()

    def with_respx() -> None:
        with _respx_router(canned), httpx.Client(base_url=BASE, headers={"Authorization": f"Bearer {KEY}"}) as http:
            _workflow(http, _no_sleep)

    def with_mock_transport() -> None:
        transport = httpx.MockTransport(_static_handler(canned))
        with httpx.Client(transport=transport, base_url=BASE, headers={"Authorization": f"Bearer {KEY}"}) as http:
            _workflow(http, _no_sleep)

    variants = {"modelgates_mock": with_fixture, "respx": with_respx, "httpx.MockTransport": with_mock_transport}
    timings: dict[str, list[float]] = {name: [] for name in variants}
    for action in variants.values():
        action()
    for _ in range(repeat):  # in turn, as the polls are
        for name, action in variants.items():
            timings[name].append(_timed_ms(action, 1))
    return {name: statistics.median(values) for name, values in timings.items()}


def setup_round(repeat: int) -> dict[str, float]:
    """ms to build (and close) the fixture's object; and with its first request answered."""

    def setup() -> None:
        ModelGatesMock(scenario="happy", seed=0, api_key=KEY).close()

    def ready() -> None:
        mock = ModelGatesMock(scenario="happy", seed=0, api_key=KEY)
        assert mock.client.get("/videos/models").status_code == 200
        mock.close()

    ready()
    return {"set-up": _timed_ms(setup, repeat), "set-up + first request": _timed_ms(ready, repeat)}


def figures(rounds: int = 5, polls: int = 2000, repeat: int = 10) -> dict[str, list[dict[str, float]]]:
    """Each figure's per-round results (every variant of a round measured back to back)."""
    canned = Canned()
    out: dict[str, list[dict[str, float]]] = {"poll": [], "async poll": [], "test": [], "set-up": []}
    for _ in range(rounds):
        gc.collect()
        out["poll"].append(poll_round(canned, polls))
        out["async poll"].append(async_poll_round(canned, polls))
        out["test"].append(workflow_round(canned, repeat))
        out["set-up"].append(setup_round(repeat))
    return out


# figure -> (unit, variant whose ratio is shown, the variant it is over, bound on the ratio)
RATIOS = {
    "poll": ("µs", "httpx.MockTransport", 1.2),
    "async poll": ("µs", "httpx.MockTransport", 1.2),
    "test": ("ms", "respx", 1.0),
}


def table(results: dict[str, list[dict[str, float]]]) -> list[str]:
    lines = [
        "| figure | modelgates_mock | respx | httpx.MockTransport | ratio (rounds' range) | target | |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    names = {"poll": "one poll", "async poll": "one poll (async)", "test": f"submit, {POLLS} polls, download"}
    for figure, (unit, over, bound) in RATIOS.items():
        rounds = results[figure]
        median = {name: statistics.median(r[name] for r in rounds) for name in rounds[0]}
        ratios = [r["modelgates_mock"] / r[over] for r in rounds]
        ratio = statistics.median(ratios)
        verdict = "pass" if ratio <= bound else "FAIL"
        lines.append(
            f"| {names[figure]} | {median['modelgates_mock']:,.1f} {unit} | {median['respx']:,.1f} {unit} "
            f"| {median['httpx.MockTransport']:,.1f} {unit} | {ratio:.2f}× over {over} "
            f"({min(ratios):.2f}–{max(ratios):.2f}) | ≤ {bound:g}× | {verdict} |"
        )
    for name in ("set-up", "set-up + first request"):
        values = [r[name] for r in results["set-up"]]
        value = statistics.median(values)
        bound_text, verdict = ("≤ 2 ms", "pass" if value <= 2.0 else "FAIL") if name == "set-up" else ("", "")
        spread = f"({min(values):.2f}–{max(values):.2f})"
        lines.append(f"| fixture {name} | {value:.2f} ms {spread} | | | | {bound_text} | {verdict} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.fixture", description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds (median; default 5)")
    parser.add_argument("--polls", type=int, default=2000, help="polls per variant per round (default 2000)")
    parser.add_argument("--repeat", type=int, default=10, help="downstream tests per variant per round (default 10)")
    parser.add_argument("--json", action="store_true", help="print the raw per-round figures as JSON too")
    args = parser.parse_args()
    results = figures(args.rounds, args.polls, args.repeat)
    if args.json:
        print(json.dumps(results, indent=1))
    print("\n".join(table(results)))


if __name__ == "__main__":
    main()
