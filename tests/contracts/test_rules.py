"""The pure rules behind the custom checks and the journal assertions: plain tables, no HTTP."""

from __future__ import annotations

import json

import pytest

from contracts.pytest_plugin import journal
from contracts.pytest_plugin.recording import Exchange
from contracts.pytest_plugin.transports import SentRequest
from contracts.suites.rules import envelope_problem, mp4_problem, same_url, status_order_problem

MP4 = b"\x00\x00\x00\x18ftypisom" + bytes(32)
T = journal.Timeline(t0=1000.0)


@pytest.mark.parametrize(
    ("status", "content_type", "body", "problem"),
    [
        (200, "text/plain", b"anything", None),
        (404, "application/json", b'{"error": {"code": 404, "message": "Resource not found"}}', None),
        (400, "application/json", b'{"error": {"code": 400, "message": "x", "metadata": null}}', None),
        (404, "text/plain", b"Not Found", "not the JSON error envelope"),
        (500, "application/json", b"<html>", "not JSON"),
        (404, "application/json", b'{"detail": "nope"}', "without an `error` object"),
        (404, "application/json", b'{"error": {"code": 400, "message": "x"}}', "error.code is 400"),
        (404, "application/json", b'{"error": {"code": "404", "message": "x"}}', "error.code is '404'"),
        (401, "application/json", b'{"error": {"code": 401}}', "error.message"),
        (401, "application/json", b'{"error": {"code": 401, "message": "x", "metadata": []}}', "error.metadata"),
    ],
)
def test_error_envelope(status: int, content_type: str, body: bytes, problem: str | None) -> None:
    found = envelope_problem(status, content_type, body)
    assert found is None if problem is None else problem in (found or "")


@pytest.mark.parametrize(
    ("status", "content_type", "body", "content_range", "problem"),
    [
        (200, "video/mp4", MP4, None, None),
        (206, "video/mp4", MP4[:16], "bytes 0-15/40", None),
        (206, "video/mp4", b"\x00" * 16, "bytes 16-31/40", None),  # a later range: no magic to check
        (404, "application/json", b"{}", None, None),
        (200, "application/octet-stream", MP4, None, "not 'video/mp4'"),
        (200, "video/mp4", b"\x00\x00\x00\x18moovisom" + bytes(8), None, "expected b'ftyp'"),
        (206, "video/mp4", b"\x00" * 16, "bytes 0-15/40", "expected b'ftyp'"),
        (200, "video/mp4", b"", None, "only 0 byte(s)"),
    ],
)
def test_mp4_content(
    status: int, content_type: str, body: bytes, content_range: str | None, problem: str | None
) -> None:
    found = mp4_problem(status, content_type, body, content_range)
    assert found is None if problem is None else problem in (found or "")


@pytest.mark.parametrize(
    ("before", "after", "backwards"),
    [
        ("pending", "pending", False),
        ("pending", "completed", False),
        ("in_progress", "failed", False),
        ("completed", "completed", False),
        ("in_progress", "pending", True),
        ("completed", "in_progress", True),
        ("completed", "failed", True),
        ("pending", "done", False),  # unknown: the schema check reports it
    ],
)
def test_status_order(before: str, after: str, backwards: bool) -> None:
    assert (status_order_problem("J", before, after) is not None) is backwards


def test_same_url() -> None:
    assert same_url("HTTP://Host:8/api/v1/videos/a%20b", "http://host:8/api/v1/videos/a b")
    assert not same_url("http://host:8/api/v1/videos/a", "http://other:8/api/v1/videos/a")
    assert not same_url("http://host/api/v1/videos/a", "http://host/api/v1/videos/b")


def _exchange(
    seq: int,
    at: float,
    method: str,
    path: str,
    status: int,
    *,
    query: str = "",
    body: object = None,
    answer: object = None,
    retry_after: str | None = None,
) -> Exchange:
    return Exchange(
        seq=seq,
        at=1000.0 + at,
        method=method,
        path=path,
        query=query,
        headers={},
        body=json.dumps(body).encode() if body is not None else b"",
        status=status,
        response_headers={"retry-after": retry_after} if retry_after else {},
        response_json=answer,
    )


JOB = "/api/v1/videos/J"
BODY = {"model": "m", "prompt": "p"}


def test_poll_pacing_counts_only_polls_after_a_successful_answer() -> None:
    polls = [
        _exchange(1, 0, "GET", JOB, 200),
        _exchange(2, 30, "GET", JOB, 500),
        _exchange(3, 31, "GET", JOB, 200),  # a retry after a 500: paced by backoff, not by the interval
        _exchange(4, 40, "GET", JOB, 200),  # 9 s after a successful poll: too fast
        _exchange(5, 41, "GET", "/api/v1/videos/K", 200),  # another job
    ]
    problems = journal.polls_too_fast(polls, 10, T)
    assert problems == [f"GET {JOB} at t=+40.0s → 200: 9 s after GET {JOB} at t=+31.0s → 200"]


def test_polls_after_a_terminal_status() -> None:
    polls = [
        _exchange(1, 0, "GET", JOB, 200, answer={"id": "J", "status": "in_progress"}),
        _exchange(2, 10, "GET", JOB, 200, answer={"id": "J", "status": "failed"}),
        _exchange(3, 20, "GET", JOB + "/content", 404),  # not a poll
        _exchange(4, 30, "GET", JOB, 200, answer={"id": "J", "status": "failed"}),
    ]
    assert journal.polls_after_terminal(polls[:3], T) == []
    [problem] = journal.polls_after_terminal(polls, T)
    assert problem.startswith(f"GET {JOB} at t=+30.0s") and "already 'failed'" in problem


def test_retry_after() -> None:
    limited = _exchange(1, 0, "POST", "/api/v1/videos", 429, body=BODY, retry_after="2")
    assert journal.retry_after_ignored([limited, _exchange(2, 2, "POST", "/api/v1/videos", 202, body=BODY)], T) == []
    [problem] = journal.retry_after_ignored([limited, _exchange(2, 1, "POST", "/api/v1/videos", 202, body=BODY)], T)
    assert "1 s after" in problem and "Retry-After: 2" in problem


@pytest.mark.parametrize(
    ("first_status", "resubmit"),
    [(202, True), (500, True), (502, True), (400, False), (401, False), (402, False), (429, False)],
)
def test_resubmits(first_status: int, resubmit: bool) -> None:
    submits = [
        _exchange(1, 0, "POST", "/api/v1/videos", first_status, body=BODY),
        _exchange(2, 1, "POST", "/api/v1/videos", 202, body=BODY),
    ]
    assert bool(journal.resubmits(submits, T)) is resubmit


def test_resubmits_other_bodies_and_a_submit_budget() -> None:
    submits = [
        _exchange(1, 0, "POST", "/api/v1/videos", 202, body=BODY),
        _exchange(2, 1, "POST", "/api/v1/videos", 202, body={**BODY, "prompt": "another"}),
    ]
    assert journal.resubmits(submits, T) == []
    [problem] = journal.resubmits(submits, T, max_submits=1)
    assert problem.startswith("2 accepted submits, expected at most 1")


def test_downloads() -> None:
    done = {"id": "J", "status": "completed", "unsigned_urls": ["u0", "u1"]}
    base = [_exchange(1, 0, "GET", JOB, 200, answer=done)]
    content = JOB + "/content"
    once = [
        _exchange(2, 1, "GET", content, 502, query="index=0"),  # a failed try does not count
        _exchange(3, 2, "GET", content, 200, query="index=0"),
        _exchange(4, 3, "GET", content, 206, query="index=1"),  # ranges of one download
        _exchange(5, 4, "GET", content, 206, query="index=1"),
    ]
    assert journal.downloads_not_once(base + once, T) == []
    twice = [*once, _exchange(6, 5, "GET", content, 200, query="index=0")]
    [problem] = journal.downloads_not_once(base + twice, T)
    assert problem.startswith("job J output 0 downloaded 2 time(s)")
    [problem] = journal.downloads_not_once(base + once[:2], T)
    assert problem == "job J output 1 downloaded 0 time(s): no request"


def test_key_leaks() -> None:
    key = "sk-mg-v1-" + "0" * 64
    sent = [
        SentRequest(1000.0, "GET", "http://testserver/api/v1/videos/J", {"authorization": f"Bearer {key}"}, 200),
        SentRequest(1001.0, "GET", "https://cdn.example.com/v.mp4", {}, None),
        SentRequest(1002.0, "GET", "https://cdn.example.com/v.mp4", {"authorization": f"Bearer {key}"}, None),
        SentRequest(1003.0, "GET", f"http://testserver:8080/x?key={key}", {}, None),  # another port
    ]
    problems = journal.key_leaks(sent, "http://testserver/api/v1", key, T)
    assert problems == [
        "GET https://cdn.example.com/v.mp4 at t=+2.0s carried the API key",
        "GET http://testserver:8080/x?key=[API KEY] at t=+3.0s carried the API key",
    ]
