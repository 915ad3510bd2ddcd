"""A live mock on loopback delivers to a real local receiver, pumped by the server's lifespan task."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from client import parse_event, verify_signature
from mockserver import MockConfig, MockServer, VirtualClock, new_api_key
from tests.mockserver.helpers import SEED_000_BODY

SECRET = "whsec-live"


class _Inbox:
    """What the receiver got: (mock clock at arrival, headers, raw body); answers from a script."""

    def __init__(self, clock: VirtualClock, answers: list[int]) -> None:
        self.clock = clock
        self.answers = answers
        self.received: list[tuple[float, dict[str, str], bytes]] = []
        self.lock = threading.Lock()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the http.server protocol names it
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with inbox.lock:
                    inbox.received.append((inbox.clock.now(), dict(self.headers.items()), body))
                    status = inbox.answers.pop(0) if inbox.answers else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # quiet test output
                pass

        return Handler


def _wait_until(condition: Callable[[], bool], timeout: float = 10) -> None:
    """Bounded wait for the server's background pump (it runs every ~100 ms real time)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        assert time.monotonic() < deadline, "the webhook did not arrive in time"
        pause.wait(0.01)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def inbox(clock: VirtualClock) -> Iterator[tuple[_Inbox, str]]:
    box = _Inbox(clock, [500, 500])
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), box.handler())
    thread = threading.Thread(target=receiver.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield box, f"http://127.0.0.1:{receiver.server_address[1]}/hooks"
    finally:
        receiver.shutdown()
        receiver.server_close()
        thread.join(timeout=5)


def test_a_live_server_delivers_signed_and_retries_a_failing_receiver(
    clock: VirtualClock, inbox: tuple[_Inbox, str]
) -> None:
    box, url = inbox
    config = MockConfig(scenario="fast", webhook_secret=SECRET, webhook_allow_http_loopback=True)
    key = new_api_key(0)
    with (
        MockServer(config, clock=clock) as server,
        httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {key}"}) as http,
    ):
        job_id = http.post("/videos", json={**SEED_000_BODY, "callback_url": url}).json()["id"]
        hooks, base_url = server.app.instance.webhooks, server.base_url  # type: ignore[attr-defined]

        def attempts() -> int:
            return sum(len(delivery.attempts) for delivery in hooks.deliveries())

        clock.advance(3)  # completed now; nobody polls: the pump's sweep finds it
        _wait_until(lambda: attempts() == 1)
        clock.advance(5)
        _wait_until(lambda: attempts() == 2)
        clock.advance(10)
        _wait_until(lambda: attempts() == 3)
        clock.advance(3600)
        [delivery] = hooks.deliveries()
        entries = [e for e in server.controller.journal_entries() if e.operation == "webhook"]
        assert not server.controller.errors

    assert delivery.state == "delivered" and [e.status for e in entries] == [500, 500, 204]
    assert {e.headers["x-modelgates-idempotency-key"] for e in entries} == {f"{job_id}-completed"}
    assert len(box.received) == 3 and len({body for _, _, body in box.received}) == 1
    at, headers, body = box.received[-1]
    assert verify_signature(body, headers["X-ModelGates-Signature"], SECRET, now=at)
    event = parse_event(body)
    assert event.data.id == job_id and event.data.is_completed
    assert event.data.unsigned_urls == [f"{base_url}/videos/{job_id}/content?index=0"]
    assert json.loads(body)["type"] == "video.generation.completed"
