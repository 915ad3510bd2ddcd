"""What a vendor operation answers (`Reply`), sent as raw ASGI; errors as envelopes; pacing faults."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import NamedTuple

from starlette.types import Receive, Scope, Send

from mockserver.domain.body_faults import BodyFault
from mockserver.domain.errors import ApiError
from mockserver.domain.pace import Pace
from mockserver.http._wait_headers import wait_headers
from mockserver.http.broken_body import SIMULATION, send_broken_body
from mockserver.wire.render import json_bytes

__all__ = ["Reply", "error_reply", "paced", "send_reply"]

_JSON = b"application/json"


class Reply(NamedTuple):
    """What a vendor operation answers; the Guard sends and journals it."""

    status: int
    body: bytes
    content_type: bytes
    headers: Iterable[tuple[bytes, bytes]] = ()
    fault: BodyFault | None = None  # a download whose body breaks on the wire (broken_body.py)
    job: tuple[str, str] | None = None  # (job id, status) a submit or poll answered, for the journal


async def send_reply(send: Send, reply: Reply, scope: Scope, receive: Receive) -> None:
    """Send `reply`; one with a download fault breaks its body (`receive` tells when the client left)."""
    raw = [*reply.headers, (b"content-length", str(len(reply.body)).encode()), (b"content-type", reply.content_type)]
    await send({"type": "http.response.start", "status": reply.status, "headers": raw})
    if reply.fault is not None:
        await send_broken_body(scope, receive, send, reply.body, reply.fault)
        return
    await send({"type": "http.response.body", "body": reply.body})


# A connection dropped before the first byte of the answer: a cut at 0 (live, the server closes
# it; in-process, the transport raises what httpx raises for a closed connection).
_DROPPED = BodyFault(kind="cut", after=0)


async def paced(reply: Reply, pace: Pace) -> Reply:
    """The reply held back or dropped as a scenario fault asked (`pace`, from `domain.pace.take_pace`)."""
    if pace.latency:
        simulation = SIMULATION.get()
        if simulation is not None:  # in-process: not slept; the transport compares it with the timeout
            simulation.latency = max(simulation.latency, pace.latency)
        else:
            await asyncio.sleep(pace.latency)  # real seconds: the client's own timeout is real
    return reply._replace(fault=_DROPPED) if pace.drop else reply


def error_reply(exc: ApiError, speed: float = 1.0) -> Reply:
    """The error's envelope and headers; `speed` (mock seconds per real second) turns the domain's
    mock-clock waits into the real seconds of `Retry-After`."""
    pairs = {**exc.headers, **wait_headers(exc, speed)}
    headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in pairs.items()]
    return Reply(exc.status, json_bytes(exc.body()), _JSON, headers)
