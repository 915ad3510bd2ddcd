"""One key's hanging receiver delays only that key's deliveries, never another key's."""

from __future__ import annotations

import asyncio
import contextlib

import httpx

from mockserver import MockConfig, SyncASGITransport, VirtualClock, create_app, new_api_key
from tests.mockserver.helpers import BASE, SEED_000_BODY

HANGING, PROMPT = "http://127.0.0.1:9/hang", "http://127.0.0.1:9/ok"


def test_a_hanging_receiver_of_one_key_does_not_hold_back_another_keys_delivery() -> None:
    clock = VirtualClock()
    app = create_app(MockConfig(scenario="fast", webhook_allow_http_loopback=True), clock=clock)
    state = app.instance
    with httpx.Client(transport=SyncASGITransport(app), base_url=BASE) as http:
        for key, url in ((new_api_key("h"), HANGING), (new_api_key("g"), PROMPT)):
            body = {**SEED_000_BODY, "callback_url": url}
            assert http.post("/videos", json=body, headers={"Authorization": f"Bearer {key}"}).status_code == 202
            if url == HANGING:
                clock.advance(3600)  # H's job ends; G's, submitted after, has not yet

    async def run() -> None:
        hanging, delivered, never = asyncio.Event(), asyncio.Event(), asyncio.Event()

        async def receive(request: httpx.Request) -> httpx.Response:
            if request.url.path == "/hang":
                hanging.set()
                await never.wait()
            delivered.set()
            return httpx.Response(200)

        state.webhooks.transport = httpx.MockTransport(receive)
        state.webhooks.timeout = 60.0  # H's attempt stays in flight for the whole test
        loop = asyncio.create_task(state.webhooks.run_forever(state.errors, interval=0.01))
        try:
            await asyncio.wait_for(hanging.wait(), 5)
            clock.advance(3600)  # G's job ends now: its delivery is due while H's hangs
            await asyncio.wait_for(delivered.wait(), 1)  # before: held until H's attempt timed out
        finally:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop

    asyncio.run(run())
    states = {delivery.url: delivery.state for delivery in state.webhooks.deliveries()}
    assert states[PROMPT] == "delivered" and states[HANGING] == "pending"
    assert not state.errors
