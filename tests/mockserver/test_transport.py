"""The in-process transports: the app runs on the caller's thread, whatever the app awaits.

The mock's vendor routes are stepped without an event loop; any other request (the mock's
Starlette routes, or any ASGI app that really awaits) runs on the transport's own loop, or on a
loop thread when the caller's thread already runs one. Every exchange is still recorded.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from contracts.pytest_plugin.fixtures import ModelGatesMock
from mockserver import AsyncASGITransport, MockConfig, SyncASGITransport, VirtualClock, create_app, new_api_key

BODY = {"model": "google/veo-3.1-lite", "prompt": "a cat", "duration": 4}
BASE = "http://testserver"


@pytest.fixture
def mock() -> Any:
    handle = ModelGatesMock(scenario="happy", seed=3, api_key=new_api_key("transport"))
    yield handle
    handle.close()
    handle.raise_errors()


def _client(mock: ModelGatesMock) -> httpx.Client:
    return httpx.Client(transport=mock.transport, base_url=mock.base_url, headers=mock.headers)


def test_every_exchange_is_recorded_with_bodies_in_order(mock: ModelGatesMock) -> None:
    with _client(mock) as http:
        job_id = http.post("/videos", json=BODY).json()["id"]
        mock.advance(600)
        assert http.get(f"/videos/{job_id}").json()["status"] == "completed"
        assert http.head(f"/videos/{job_id}/content").content == b""
        assert http.get("/videos/models").status_code == 200
    exchanges = mock.exchanges()
    assert [(e.seq, e.method, e.status) for e in exchanges] == [
        (1, "POST", 202),
        (2, "GET", 200),
        (3, "HEAD", 200),
        (4, "GET", 200),
    ]
    assert exchanges[0].json == BODY
    assert exchanges[0].headers["authorization"] == f"Bearer {mock.api_key}"
    assert exchanges[1].response_json["status"] == "completed"
    assert exchanges[2].response_headers["content-type"] == "video/mp4"
    assert [request.status for request in mock.sent] == [202, 200, 200, 200]
    assert [entry.operation for entry in mock.journal] == ["submit", "poll", "content", "models"]


def test_requests_from_many_threads_all_reach_the_app(mock: ModelGatesMock) -> None:
    with _client(mock) as http:
        job_id = http.post("/videos", json=BODY).json()["id"]
        together = threading.Barrier(6)

        def polls(_: int) -> list[int]:
            together.wait(timeout=10)  # six threads at once, not one after another
            return [http.get(f"/videos/{job_id}").status_code for _ in range(20)]

        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = [status for batch in pool.map(polls, range(6)) for status in batch]
    assert statuses == [200] * 120
    assert len(mock.exchanges()) == 121
    assert len(mock.sent) == 121
    assert [e.seq for e in mock.exchanges()] == list(range(1, 122))


def test_a_sync_client_works_from_inside_a_running_event_loop(mock: ModelGatesMock) -> None:
    async def app() -> tuple[int, int]:
        # Sync code called from async code: its thread cannot run a second event loop.
        with _client(mock) as http:
            submitted = http.post("/videos", json=BODY).status_code
            health = http.get(f"{BASE}/_mock/health")  # public: no token needed
            return submitted, health.status_code

    assert asyncio.run(app()) == (202, 200)
    assert [e.path for e in mock.exchanges()] == ["/api/v1/videos", "/_mock/health"]


def test_the_async_transport_records_the_same(mock: ModelGatesMock) -> None:
    async def app() -> int:
        async with mock.async_client() as http:
            response = await http.post("/videos", json=BODY, headers=mock.headers)
            return (await http.get(f"/videos/{response.json()['id']}", headers=mock.headers)).status_code

    assert asyncio.run(app()) == 200
    assert [(e.method, e.status) for e in mock.exchanges()] == [("POST", 202), ("GET", 200)]
    assert mock.exchanges()[0].json == BODY


async def _awaiting_app(scope: Any, receive: Any, send: Any) -> None:
    """An app that really suspends (as a thread pool or a database call would), and streams."""
    message = await receive()
    await asyncio.sleep(0)
    await send({"type": "http.response.start", "status": 201, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": message["body"], "more_body": True})
    await send({"type": "http.response.body", "body": b"!"})
    assert (await receive())["type"] == "http.disconnect"  # heard once the answer is complete


def test_an_app_that_awaits_runs_on_the_transport_loop() -> None:
    with httpx.Client(transport=SyncASGITransport(_awaiting_app), base_url=BASE) as http:
        answers = [http.post("/echo", content=b"hi %d" % n) for n in range(3)]
    assert [(a.status_code, a.content) for a in answers] == [(201, b"hi 0!"), (201, b"hi 1!"), (201, b"hi 2!")]


def test_an_app_that_awaits_works_through_the_async_transport() -> None:
    async def call() -> httpx.Response:
        async with httpx.AsyncClient(transport=AsyncASGITransport(_awaiting_app), base_url=BASE) as http:
            return await http.post("/echo", content=b"yo")

    assert asyncio.run(call()).content == b"yo!"


class _Claims:
    """An app that says it answers at once, and then awaits something else."""

    def answers_at_once(self, scope: Any) -> bool:
        return True

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await asyncio.sleep(0)


def test_an_app_breaking_its_at_once_promise_fails_loudly() -> None:
    with (
        httpx.Client(transport=SyncASGITransport(_Claims()), base_url=BASE) as http,
        pytest.raises(RuntimeError, match="answers_at_once"),
    ):
        http.get("/")


async def _silent_app(scope: Any, receive: Any, send: Any) -> None:
    await receive()


async def _crashing_app(scope: Any, receive: Any, send: Any) -> None:
    raise LookupError("inside the app")


def test_an_app_that_never_answers_is_a_protocol_error() -> None:
    with (
        httpx.Client(transport=SyncASGITransport(_silent_app), base_url=BASE) as http,
        pytest.raises(httpx.RemoteProtocolError, match="without a complete answer"),
    ):
        http.get("/")

    async def call() -> None:
        async with httpx.AsyncClient(transport=AsyncASGITransport(_silent_app), base_url=BASE) as http:
            await http.get("/")

    with pytest.raises(httpx.RemoteProtocolError):
        asyncio.run(call())


def test_an_exception_in_the_app_reaches_the_caller() -> None:
    with httpx.Client(transport=SyncASGITransport(_crashing_app), base_url=BASE) as http:
        with pytest.raises(LookupError, match="inside the app"):
            http.get("/")
        with pytest.raises(LookupError):  # and the transport still works afterwards
            http.get("/")


def test_a_foreign_host_is_refused_and_recorded(mock: ModelGatesMock) -> None:
    with _client(mock) as http, pytest.raises(httpx.ConnectError, match="not reachable"):
        http.get("https://example.com/x")
    assert [(r.url, r.status) for r in mock.sent] == [("https://example.com/x", None)]
    assert mock.exchanges() == []


def test_an_answer_later_than_the_read_timeout_was_still_answered() -> None:
    # The client gave up (ReadTimeout, no status for `sent`), but the mock answered: the
    # exchange and the job are there, as a live server would have them.
    mock = ModelGatesMock(scenario="slow-submit", seed=3, api_key=new_api_key("late"))
    with _client(mock) as http, pytest.raises(httpx.ReadTimeout):
        http.post("/videos", json=BODY, timeout=5)
    assert [(e.method, e.status, e.json) for e in mock.exchanges()] == [("POST", 202, BODY)]
    assert [request.status for request in mock.sent] == [None]
    assert len(mock.jobs()) == 1
    mock.close()


def test_a_head_answer_counts_the_body_the_mock_sent(mock: ModelGatesMock) -> None:
    with _client(mock) as http:
        job_id = http.post("/videos", json=BODY).json()["id"]
        mock.advance(600)
        head = http.head(f"/videos/{job_id}/content")
    assert head.content == b""  # dropped on the way, as over a socket
    answered = mock.exchanges()[-1]
    assert answered.body_bytes == int(answered.response_headers["content-length"]) > 1000


def test_what_the_fixture_keeps_per_request_leaves_the_garbage_collector(mock: ModelGatesMock) -> None:
    # Kept requests and answers stayed on the collector's lists and every collection walked them
    # (~20 µs a poll once 10,000 were kept); tuples of strings, bytes and numbers leave its lists
    # when collected (a level of nesting per collection).
    with _client(mock) as http:
        job_id = http.post("/videos", json=BODY).json()["id"]
        mock.advance(600)
        for _ in range(3):
            http.get(f"/videos/{job_id}")
        http.get(f"/videos/{job_id}/content")
        with pytest.raises(httpx.ConnectError):
            http.get("https://example.com/")
    for _ in range(4):
        gc.collect()
    kept = mock.transport.log._raw
    assert len(kept) == 6 and not any(gc.is_tracked(entry) for entry in kept)
    assert [e.status for e in mock.exchanges()] == [202, 200, 200, 200, 200]  # and all is still there


@pytest.mark.parametrize("render", ["on", "off"])
def test_the_mock_answers_its_vendor_routes_at_once_but_a_render(render: str) -> None:
    app = create_app(MockConfig(render=render), clock=VirtualClock())
    at_once = {
        "/api/v1/videos": True,
        "/api/v1/videos/models": True,
        "/api/v1/videos/vid_1": True,
        "/api/v1/videos/vid_1/content": render == "off",  # a render awaits its worker thread
        "/_mock/health": False,  # Starlette's
        "/api/v1/videos/vid_1/other": False,
    }
    for _ in range(2):  # the second time from the router's memo
        assert {path: app.answers_at_once({"type": "http", "path": path}) for path in at_once} == at_once
    assert not app.answers_at_once({"type": "lifespan", "path": "/api/v1/videos"})


def _state(response: httpx.Response) -> dict[str, Any]:
    """What a response holds, without the stream object itself (two ByteStreams never compare equal)."""
    fields = {name: value for name, value in vars(response).items() if name not in ("stream", "_decoder")}
    fields["headers"] = response.headers.multi_items()
    return fields


@pytest.mark.parametrize(
    "headers",
    [
        [(b"content-length", b"11"), (b"content-type", b"application/json")],
        [(b"content-type", b"application/json")],  # httpx adds Content-Length: the ordinary way
        [(b"content-length", b"11"), (b"content-encoding", b"identity")],  # httpx would decode
    ],
)
def test_a_read_response_is_what_httpx_builds_from_content(headers: list[tuple[bytes, bytes]]) -> None:
    from mockserver.http.simulated import read_response

    request = httpx.Request("GET", "http://testserver/api/v1/videos/x")
    ours = read_response(200, headers, b'{"id":"x"}\n', request)
    theirs = httpx.Response(200, headers=headers, content=b'{"id":"x"}\n', request=request)
    assert _state(ours) == _state(theirs)
    assert ours.content == b'{"id":"x"}\n' and ours.json() == {"id": "x"}
    assert list(ours.iter_bytes(4)) == list(theirs.iter_bytes(4))
    assert ours.is_stream_consumed and ours.is_closed


def test_an_empty_read_response_has_no_content_length_added() -> None:
    from mockserver.http.simulated import read_response

    request = httpx.Request("GET", "http://testserver/")
    ours = read_response(204, [], b"", request)
    assert _state(ours) == _state(httpx.Response(204, headers=[], content=b"", request=request))
    assert "content-length" not in ours.headers


def test_urls_that_differ_only_in_query_or_host_reach_the_app_as_sent(mock: ModelGatesMock) -> None:
    # The transport and the log remember a URL's parts: equal URLs share them, others must not.
    with _client(mock) as http:
        job_id = http.post("/videos", json=BODY).json()["id"]
        for index in (0, 0, 1):
            http.get(f"/videos/{job_id}/content", params={"index": index})
        with pytest.raises(httpx.ConnectError):
            http.get(f"http://elsewhere.test/api/v1/videos/{job_id}")
    downloads = [e for e in mock.exchanges() if e.path.endswith("/content")]
    assert [e.query for e in downloads] == ["index=0", "index=0", "index=1"]
    assert [r.url for r in mock.sent][-1] == f"http://elsewhere.test/api/v1/videos/{job_id}"
    assert len(mock.sent) == 5 and len(mock.exchanges()) == 4


def test_the_url_memos_stay_bounded(mock: ModelGatesMock) -> None:
    from mockserver.http import transport

    with _client(mock) as http:
        for number in range(1100):
            http.get(f"/videos/no-such-job-{number}")
    assert 0 < len(transport._URL_PARTS) <= 1024
    assert 0 < len(mock.transport.log._urls) <= 1024
