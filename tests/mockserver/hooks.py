"""Helpers for the webhook tests: an in-process mock whose deliveries go to a scripted receiver."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from mockserver import MockConfig, SyncASGITransport, VirtualClock, create_app, mock_controller, new_api_key
from mockserver.domain.journal import Entry
from tests.mockserver.helpers import BASE, SEED_000_BODY

SECRET = "whsec-test-0123456789"
HOOK = "https://127.0.0.1:8443/hooks/modelgates"

Answer = int | Exception


class Receiver:
    """A `httpx.MockTransport` handler: answers from a script (then 200) and keeps every request."""

    def __init__(self, clock: VirtualClock, *answers: Answer) -> None:
        self.clock = clock
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.received_at: list[float] = []  # the mock's clock when each request arrived

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.received_at.append(self.clock.now())
        answer = self.answers.pop(0) if self.answers else 200
        if isinstance(answer, Exception):
            raise answer
        headers = {"Location": "https://127.0.0.1:8443/elsewhere"} if 300 <= answer < 400 else {}
        return httpx.Response(answer, headers=headers, request=request)

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(request.content) for request in self.requests]


class Hooks:
    """One mock with webhooks configured, its virtual clock, and a receiver behind MockTransport."""

    def __init__(self, scenario: str = "fast", *answers: Answer, **settings: Any) -> None:
        settings.setdefault("webhook_secret", SECRET)
        self.clock = VirtualClock()
        self.app = create_app(MockConfig(scenario=scenario, **settings), clock=self.clock)
        self.control = mock_controller(self.app)
        self.instance = self.app.instance
        self.receiver = Receiver(self.clock, *answers)
        self.instance.webhooks.transport = httpx.MockTransport(self.receiver)
        self.key = new_api_key(0)
        self.http = httpx.Client(
            transport=SyncASGITransport(self.app), base_url=BASE, headers={"Authorization": f"Bearer {self.key}"}
        )

    def submit(self, callback_url: str | None = HOOK, **headers: str) -> httpx.Response:
        body = dict(SEED_000_BODY)
        if callback_url is not None:
            body["callback_url"] = callback_url
        return self.http.post("/videos", json=body, headers=headers)

    def job_id(self, callback_url: str | None = HOOK, **headers: str) -> str:
        response = self.submit(callback_url, **headers)
        assert response.status_code == 202, response.text
        return str(response.json()["id"])

    def pump(self) -> int:
        return asyncio.run(self.instance.webhooks.pump())

    def run(self, seconds: float) -> int:
        """Move the clock on, then send what is due; returns the attempts made."""
        self.clock.advance(seconds)
        return self.pump()

    def webhook_entries(self) -> list[Entry]:
        return [entry for entry in self.control.journal_entries() if entry.operation == "webhook"]

    def close(self) -> None:
        self.http.close()


MakeHooks = Callable[..., Hooks]


def made_hooks(default_scenario: str) -> Iterator[MakeHooks]:
    """A `make_hooks` fixture's body: `Hooks` made on demand, each checked and closed at the end."""
    made: list[Hooks] = []

    def make(scenario: str = default_scenario, *answers: Any, **settings: Any) -> Hooks:
        hooks = Hooks(scenario, *answers, **settings)
        made.append(hooks)
        return hooks

    yield make
    for hooks in made:
        assert not hooks.control.errors, f"the mock raised internally: {hooks.control.errors!r}"
        hooks.close()
