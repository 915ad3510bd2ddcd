"""The raw ASGI layer that answers the vendor routes: what it does that Starlette used to do for it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, MutableMapping
from decimal import Decimal
from typing import Any

import pytest

from mockserver import OPERATOR
from mockserver.domain.jobs import Job, advance
from mockserver.domain.scenarios import builtin_scenarios
from mockserver.http.router import vendor_route
from mockserver.wire.render import json_bytes, render_job, submitted_bytes
from tests.mockserver.helpers import SEED_000_BODY, Api, assert_envelope


def _call(
    api: Api, method: str, path: str, messages: list[dict[str, Any]], headers: list[tuple[bytes, bytes]]
) -> list[dict[str, Any]]:
    """One raw ASGI request; `messages` are what `receive` hands out, in order."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 5000),
    }
    inbox, sent = list(messages), []

    async def receive() -> dict[str, Any]:
        return inbox.pop(0)

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    asyncio.run(api.app(scope, receive, send))
    return sent


def test_a_client_gone_before_its_body_arrived_gets_no_answer_and_is_no_mock_error(api: Api) -> None:
    auth = (b"authorization", f"Bearer {api.key}".encode())
    body = json.dumps(SEED_000_BODY).encode()
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": body[:10], "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent = _call(api, "POST", "/api/v1/videos", messages, [auth, (b"content-type", b"application/json")])
    assert sent == []
    assert api.control.errors == [] and api.control.stored_jobs() == []


def test_the_first_of_repeated_authorization_headers_counts(api: Api) -> None:
    good, bad = (b"authorization", f"Bearer {api.key}".encode()), (b"authorization", b"Bearer nope")
    first_good = _call(api, "GET", "/api/v1/videos/unknown", [], [good, bad])
    first_bad = _call(api, "GET", "/api/v1/videos/unknown", [], [bad, good])
    assert (first_good[0]["status"], first_bad[0]["status"]) == (404, 401)


def test_head_is_a_poll_without_a_body_on_the_wire(api: Api) -> None:
    job_id = api.job_id()
    response = api.http.head(f"/videos/{job_id}")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert api.control.stored(job_id).polls == 1  # type: ignore[union-attr]


def test_paths_near_the_vendor_routes_are_404_envelopes_not_redirects(api: Api) -> None:
    for path in ("/videos/", "/videos//content", "/videos/abc/", "/videosx", "/videos/abc/content/"):
        assert_envelope(api.http.get(path), 404)


def test_route_shapes() -> None:
    assert [
        (r[0].__name__, r[1], r[2]) if r else None
        for r in map(
            vendor_route,
            [
                "/api/v1/videos",
                "/api/v1/videos/models",
                "/api/v1/videos/j1",
                "/api/v1/videos/j1/content",
                "/api/v1/videos/",
                "/api/v1/videos/j1/x",
                "/api/v1/video",
                "/_mock/jobs",
            ],
        )
    ] == [
        ("submit", ("POST",), None),
        ("models", ("GET", "HEAD"), None),
        ("poll", ("GET", "HEAD"), "j1"),
        ("content", ("GET", "HEAD"), "j1"),
        None,
        None,
        None,
        None,
    ]


def test_a_body_in_several_messages_is_joined_and_one_over_the_limit_refused(make_api: Callable[..., Api]) -> None:
    api = make_api(max_body_bytes=4096)
    auth, json_type = (b"authorization", f"Bearer {api.key}".encode()), (b"content-type", b"application/json")
    body = json.dumps(SEED_000_BODY).encode()
    pieces = [
        {"type": "http.request", "body": body[i : i + 7], "more_body": i + 7 < len(body)}
        for i in range(0, len(body), 7)
    ]
    sent = _call(api, "POST", "/api/v1/videos", pieces, [auth, json_type])
    assert sent[0]["status"] == 202 and json.loads(sent[1]["body"])["status"] == "pending"
    huge = [{"type": "http.request", "body": b" " * 5000 + body, "more_body": False}]
    sent = _call(api, "POST", "/api/v1/videos", huge, [auth, json_type])
    assert sent[0]["status"] == 400 and b"larger than 4096 bytes" in sent[1]["body"]
    assert len(api.control.stored_jobs()) == 1


@pytest.mark.parametrize("declared", [True, False])
def test_a_wrong_content_type_is_refused_before_the_body_is_read(make_api: Callable[..., Api], declared: bool) -> None:
    # A 50 MiB upload sent as text/plain: the header alone says it cannot be a submit, so none of
    # it is read and the developer hears about the Content-Type, not the size (DECISIONS.md).
    api = make_api(max_body_bytes=4096)
    auth, text_type = (b"authorization", f"Bearer {api.key}".encode()), (b"content-type", b"text/plain")
    headers = [auth, text_type] + ([(b"content-length", str(50 << 20).encode())] if declared else [])
    pieces = [{"type": "http.request", "body": b"x" * 5000, "more_body": True}] * 3
    sent = _call(api, "POST", "/api/v1/videos", pieces, headers)
    assert sent[0]["status"] == 400
    assert json.loads(sent[1]["body"])["error"]["metadata"]["param"] == "Content-Type"


def test_memoized_poll_bodies_follow_every_change_of_what_they_show(api: Api) -> None:
    job_id = api.job_id()
    first, again = api.poll(job_id).content, api.poll(job_id).content
    api.clock.advance(3600)
    done = api.poll(job_id)
    job = api.control.stored(job_id)
    assert job is not None
    assert first == again and json.loads(first)["status"] == "pending"
    assert done.json()["status"] == "completed" and done.content == json_bytes(render_job(job, job.base_url))
    api.control.reset(OPERATOR)  # same seed, same id again: a new job must not be answered with the old body
    assert api.job_id() == job_id and api.poll(job_id).json()["status"] == "pending"


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("", 200),
        ("index=0", 200),
        ("index=%30", 200),
        ("other=1", 200),
        ("x&index=0", 200),
        ("index=1", 404),
        ("index", 400),
        ("index=", 400),
        ("index=+0", 400),
        ("index=0&index=0", 400),
        ("index=-1", 400),
    ],
)
def test_the_index_query_reads_as_a_query_string_parser_would(api: Api, query: str, status: int) -> None:
    job_id = api.completed_job()
    assert api.http.get(f"/videos/{job_id}/content?{query}").status_code == status


def test_keys_and_hosts_are_remembered_per_header_value_never_across_values(api: Api) -> None:
    # The key and the base URL are resolved once per header value; each value keeps its own answer.
    def submit(authorization: bytes, host: bytes) -> list[dict[str, Any]]:
        headers = [(b"authorization", authorization), (b"host", host), (b"content-type", b"application/json")]
        body = {"type": "http.request", "body": json.dumps(SEED_000_BODY).encode()}
        return _call(api, "POST", "/api/v1/videos", [body], headers)

    good = f"Bearer {api.key}".encode()
    other = b"Bearer sk-mg-v1-" + b"b" * 64
    for _ in range(2):
        assert json.loads(submit(good, b"one.test")[1]["body"])["polling_url"].startswith("http://one.test/")
        assert json.loads(submit(good, b"two.test:81")[1]["body"])["polling_url"].startswith("http://two.test:81/")
        assert submit(b"Bearer nope", b"one.test")[0]["status"] == 401
    submit(other, b"one.test")
    tenants = {job.tenant for job in api.control.stored_jobs()}
    assert tenants == {api.key, other.decode()[7:]}
    # A refused bearer value is journaled as no key (DECISIONS.md: who is in the journal).
    assert {entry.tenant for entry in api.control.journal_entries()} == {api.key, other.decode()[7:], None}


def test_many_distinct_keys_keep_the_memo_bounded(api: Api) -> None:
    for number in range(1100):
        key = f"sk-mg-v1-{number:064x}".encode()
        _call(api, "GET", "/api/v1/videos/unknown", [], [(b"authorization", b"Bearer " + key)])
    assert len(api.control.journal_entries()) == 1100
    assert len(api.app.guard.vendor._keys) <= 1024  # memory stays bounded
    first = b"Bearer sk-mg-v1-" + b"0" * 64  # forgotten by the memo: resolved again, the same way
    assert _call(api, "GET", "/api/v1/videos/unknown", [], [(b"authorization", first)])[0]["status"] == 404


@pytest.mark.parametrize("base", ["http://127.0.0.1:8000/api/v1", 'https://ü.test/"quoted"\\/api/v1'])
@pytest.mark.parametrize("at", [0.0, 20.0, 3600.0])  # pending, in progress (with a generation id), completed
def test_a_new_jobs_body_is_the_general_rendering_byte_for_byte(base: str, at: float) -> None:
    for name in ("happy", "fail", "fast"):
        timeline = builtin_scenarios()[name].timeline(0, "J")
        new = Job("J" * 20, "k", "m", name, 0.0, timeline, "{}", "16:9", Decimal("0.4"), "G" * 20)
        job, _ = advance(new, at)
        assert submitted_bytes(job, base) == json_bytes(render_job(job, base))
    started = Job("J" * 20, "k", "m", "s", 0.0, timeline[1:], "{}", "16:9", Decimal("0.4"), "G" * 20)
    assert json.loads(submitted_bytes(started, base))["status"] == started.status.value
    assert submitted_bytes(started, base) == json_bytes(render_job(started, base))


def test_a_job_keeps_its_request_as_sent_and_hands_out_copies(api: Api) -> None:
    sent = {**SEED_000_BODY, "prompt": 'Grüße 🐈 "quoted"\n', "callback_url": "https://example.test/hook"}
    raw = json.dumps(sent, indent=2, ensure_ascii=True).encode()  # whitespace, \\u escapes: still the same value
    auth = (b"authorization", f"Bearer {api.key}".encode())
    answer = _call(
        api,
        "POST",
        "/api/v1/videos",
        [{"type": "http.request", "body": raw}],
        [auth, (b"content-type", b"application/json")],
    )
    job = api.control.stored(json.loads(answer[1]["body"])["id"])
    assert job is not None and job.request == sent
    job.request["prompt"] = "changed"
    assert job.request == sent
    in_process = api.control.submit(api.key, dict(sent))  # no text: the dict is written out
    assert in_process.request == sent
