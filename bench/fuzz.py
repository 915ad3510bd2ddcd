"""Garbage in: raw bytes, truncated JSON, huge bodies, absurd headers, ids and queries on every route.

Every answer must be below 500 and, when it is an error, the API's envelope with `code` equal
to the status; afterwards a normal submit and poll must still work. Seeded and bounded in count
and time; the HTTP framing itself stays valid (malformed HTTP is uvicorn's business, not the app's).

    python -m bench.fuzz --cases 5000           # against `mockserver` started for the run
    python -m bench.fuzz --url http://127.0.0.1:8000
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from mockserver import new_api_key

__all__ = ["Case", "FuzzReport", "cases", "check_healthy", "fuzz"]

VALID_BODY = json.dumps(
    {"model": "google/veo-3.1-lite", "prompt": "fuzz", "duration": 4, "resolution": "720p", "aspect_ratio": "16:9"}
).encode()
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD")
PATHS = (
    "/api/v1/videos",
    "/api/v1/videos/{id}",
    "/api/v1/videos/{id}/content",
    "/api/v1/videos/models",
    "/openapi.yaml",
    "/openapi.json",
    "/api/v1/{id}",
    "/{id}",
)
# The documented routes with their own method, so most garbage reaches a handler, not a 405.
ROUTES = (
    ("POST", PATHS[0]),
    ("POST", PATHS[0]),
    ("GET", PATHS[1]),
    ("GET", PATHS[2]),
    ("GET", PATHS[3]),
    ("GET", PATHS[4]),
    ("GET", PATHS[5]),
)
ODD_JSON = (
    b"",
    b"{",
    b"[]",
    b"null",
    b"1e999999",
    b'"x"',
    b'{"model": NaN}',
    b"{}" * 1000,
    b"[" * 5000 + b"]" * 5000,
    b'{"model": "\\ud800"}',
    b"\xef\xbb\xbf{}",
    b'{"a":1,"a":2}',
)


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FuzzReport:
    cases: int = 0
    seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        return (
            f"{self.cases} cases in {self.seconds:.1f} s; statuses {dict(sorted(self.statuses.items()))}; "
            f"failures {len(self.failures)}"
        )


def _garbage_text(rng: random.Random, size: int) -> str:
    alphabet = "aZ09-_./%?#&=;:@!$'()*+,~ \t\"<>\\^`{|}" + "éß中文🙂\u202e\x7f"
    return "".join(rng.choice(alphabet) for _ in range(size))


def _job_id(rng: random.Random, real_ids: list[str]) -> str:
    kind = rng.randrange(6)
    if kind == 0 and real_ids:
        return rng.choice(real_ids)
    if kind == 1:
        return "A" * rng.choice((1, 21, 255, 3000))
    if kind == 2:
        return quote(_garbage_text(rng, rng.randrange(1, 60)), safe="")
    if kind == 3:
        return rng.choice(("..", "%2e%2e", "%00", "%FF%FE", "models", "%2F", "null", "-1", "0"))
    return "".join(rng.choice("abcXYZ019") for _ in range(20))


def _headers(rng: random.Random, keys: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    auth = rng.randrange(7)
    if auth < 3:
        headers["Authorization"] = f"Bearer {rng.choice(keys)}"
    elif auth == 3:
        headers["Authorization"] = rng.choice(
            ("Bearer", "Bearer ", "Basic abc", "bearer  " + keys[0] + " x", "Bearer sk-mg-v1-" + "g" * 64, "x" * 4000)
        )
    elif auth == 4:
        headers["Authorization"] = "Bearer " + quote(_garbage_text(rng, 80))
    ct = rng.randrange(6)
    if ct < 3:
        headers["Content-Type"] = "application/json"
    elif ct == 3:
        headers["Content-Type"] = rng.choice(
            (
                "text/plain",
                "application/json; charset=utf-16",
                "*/*",
                "",
                "application/json" + ";x" * 300,
                "multipart/form-data",
            )
        )
    if rng.random() < 0.3:
        headers["Range"] = rng.choice(
            (
                "bytes=0-",
                "bytes=-0",
                "bytes=99999999-",
                "bytes=5-1",
                "bytes=a-b",
                "bytes=0-1,2-3",
                "items=0-1",
                "bytes=" + "9" * 400 + "-",
            )
        )
    if rng.random() < 0.2:
        headers["If-Range"] = "".join(c for c in _garbage_text(rng, 20) if " " <= c <= "~")  # valid HTTP bytes
    if rng.random() < 0.2:
        headers["X-Mock-Scenario"] = rng.choice(("nope", "../../etc/passwd.toml", "x" * 2000, "fail", ""))
    if rng.random() < 0.2:
        for index in range(rng.randrange(1, 60)):
            headers[f"X-Junk-{index}"] = "j" * rng.randrange(0, 2000)
    return headers


def _body(rng: random.Random) -> bytes:
    kind = rng.randrange(6)
    if kind == 0:
        return VALID_BODY
    if kind == 1:
        return VALID_BODY[: rng.randrange(len(VALID_BODY))]  # truncated JSON
    if kind == 2:
        return rng.randbytes(rng.randrange(0, 4096))  # raw bytes
    if kind == 3:
        return rng.choice(ODD_JSON)
    if kind == 4:
        data: dict[str, Any] = json.loads(VALID_BODY)
        data[rng.choice(list(data) + ["extra", "size", "frame_images", "seed"])] = rng.choice(
            (None, -1, 10**40, 1.5, "", "x" * 100_000, [], {}, [{"x": 1}], True, "4000x1", "\u0000")
        )
        return json.dumps(data).encode()
    return b"{" + b'"prompt":"' + b"x" * rng.choice((1_000_000, 11 * 1024 * 1024)) + b'"}'  # huge


def _query(rng: random.Random) -> str:
    return rng.choice(
        (
            "",
            "",
            "index=0",
            "index=1",
            "index=-1",
            "index=a",
            "index=0&index=0",
            "index=" + "9" * 50,
            "index=%00",
            "index=0x1",
            quote(_garbage_text(rng, 30), safe="=&"),
        )
    )


def cases(seed: int, count: int, keys: list[str], real_ids: list[str]) -> Iterator[Case]:
    rng = random.Random(seed)
    for _ in range(count):
        method, path = rng.choice(ROUTES) if rng.random() < 0.6 else (rng.choice(METHODS), rng.choice(PATHS))
        path = path.replace("{id}", _job_id(rng, real_ids))
        body = _body(rng) if method in ("POST", "PUT", "PATCH") or rng.random() < 0.05 else b""
        headers = {name: value.strip(" \t") for name, value in _headers(rng, keys).items()}  # h11's rule
        yield Case(method, path, _query(rng), headers, body)


def _check(case: Case, response: httpx.Response) -> str | None:
    where = f"{case.method} {case.path[:80]}?{case.query[:40]}"
    if response.status_code >= 500:
        return f"{where}: {response.status_code} {response.text[:200]}"
    if response.status_code < 400 or case.method == "HEAD":
        return None
    try:
        body = response.json()
        error = body["error"]
        ok = set(body) == {"error"} and error["code"] == response.status_code and isinstance(error["message"], str)
    except (ValueError, KeyError, TypeError):
        ok = False
    return None if ok else f"{where}: {response.status_code} not in the envelope: {response.text[:200]}"


def check_healthy(http: httpx.Client, key: str) -> str | None:
    """A normal submit, poll and models call still answer as they should; None when they do."""
    auth = {"Authorization": f"Bearer {key}"}
    submitted = http.post("/api/v1/videos", content=VALID_BODY, headers={**auth, "Content-Type": "application/json"})
    if submitted.status_code != 202:
        return f"submit after fuzzing: {submitted.status_code} {submitted.text[:200]}"
    polled = http.get(f"/api/v1/videos/{submitted.json()['id']}", headers=auth)
    if polled.status_code != 200 or polled.json()["status"] not in ("pending", "in_progress", "completed"):
        return f"poll after fuzzing: {polled.status_code} {polled.text[:200]}"
    if http.get("/api/v1/videos/models").status_code != 200:
        return "models after fuzzing is not 200"
    return None


def fuzz(http: httpx.Client, *, seed: int = 0, count: int = 1000, deadline: float = 60.0) -> FuzzReport:
    """Send `count` seeded garbage requests through `http` (base URL: the server's root)."""
    report = FuzzReport()
    keys = [new_api_key("fuzz-a"), new_api_key("fuzz-b")]
    real_ids = []
    for key in keys:
        answer = http.post(
            "/api/v1/videos",
            content=VALID_BODY,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        if answer.status_code == 202:
            real_ids.append(answer.json()["id"])
    started = time.perf_counter()
    for case in cases(seed, count, keys, real_ids):
        if time.perf_counter() - started > deadline:
            report.failures.append(f"deadline of {deadline} s reached after {report.cases} cases")
            break
        url = case.path + (f"?{case.query}" if case.query else "")
        response = http.request(case.method, url, headers=case.headers, content=case.body)
        report.cases += 1
        report.statuses[response.status_code] = report.statuses.get(response.status_code, 0) + 1
        if (failure := _check(case, response)) is not None:
            report.failures.append(failure)
    if (unhealthy := check_healthy(http, keys[0])) is not None:
        report.failures.append(unhealthy)
    report.seconds = time.perf_counter() - started
    return report


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fuzz", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--deadline", type=float, default=300.0)
    parser.add_argument("--url", help="a running mock's root URL (default: start the CLI for the run)")
    args = parser.parse_args()
    from .servers import mock_unless_given

    with mock_unless_given(args.url) as (url, server):
        with httpx.Client(base_url=url, timeout=30) as http:
            report = fuzz(http, seed=args.seed, count=args.cases, deadline=args.deadline)
        print(report.summary())
        for line in report.failures[:20]:
            print("  ", line)
        if server is not None and server.process.poll() is not None:
            print("the server exited during the run")
            return 1
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
