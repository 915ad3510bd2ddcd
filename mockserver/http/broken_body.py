"""Sending a download whose body breaks on purpose (a scenario's `[[download_faults]]`).

On a live server the break is real, on the wire, after the status line and the full
`Content-Length` went out:

- cut: the first N bytes, then the response is left unfinished, so uvicorn closes the
  connection (a client reads "peer closed connection without sending complete message body");
- reset: the first N bytes, then the socket is closed with SO_LINGER 0 (a TCP RST: "connection
  reset by peer") where the server offers `mockserver.reset` (`MockServer`, the CLI), else a cut;
- stall: the first N bytes, a pause of S real seconds, then the rest;
- dribble: the first N bytes, then the rest at B bytes per second, in pieces every ~0.1 s.

A stall or a dribble ends early when the client hangs up (nobody is left to send to).

In-process, the fixture's transports set `SIMULATION` (with the request's read timeout) and
nothing waits: the body is sent up to the break, the break is noted on the simulation, and the
transport raises what httpx would raise there (`mockserver.http.simulated`). A stall longer than
the read timeout is then a timeout at N bytes; a shorter one passes as if it had been waited.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

from starlette.types import Message, Receive, Scope, Send

from mockserver.domain.body_faults import BodyFault

__all__ = ["SIMULATION", "Broken", "QuietCuts", "Simulation", "reset_extension", "send_broken_body"]

# Dribbled pieces go out about this often, so a read timeout fires only on a truly slow rate.
_DRIBBLE_TICK = 0.1
RESET_EXTENSION = "mockserver.reset"


@dataclass(frozen=True)
class Broken:
    """Where an in-process body broke: after `received` of `expected` bytes."""

    kind: Literal["cut", "reset", "timeout"]
    received: int
    expected: int


@dataclass(slots=True)  # one per in-process request
class Simulation:
    """One in-process request: its read timeout (None: none) and, once noted, how long a fault held
    its answer back and how its body broke."""

    read_timeout: float | None
    broken: Broken | None = None
    latency: float = 0.0  # real seconds a fault held the answer back (not slept in-process)


SIMULATION: ContextVar[Simulation | None] = ContextVar("mockserver_simulation", default=None)
# Set in the task of a response left unfinished on purpose: uvicorn's complaint is not logged.
_CUT: ContextVar[bool] = ContextVar("mockserver_cut", default=False)


class QuietCuts(logging.Filter):
    """Drops uvicorn's "returned without completing response" for the bodies cut on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (_CUT.get() and "without completing response" in record.getMessage())


async def send_broken_body(scope: Scope, receive: Receive, send: Send, body: bytes, fault: BodyFault) -> None:
    """The body of an answer whose start was sent, broken as `fault` says."""
    at = fault.offset(len(body))
    simulation = SIMULATION.get()
    if simulation is not None:
        await _simulated(send, body, fault, at, simulation)
        return
    await _part(send, body[:at])
    if fault.kind in ("cut", "reset", "bad-gateway"):
        _CUT.set(True)  # this task's context: uvicorn logs after the app returned, in the same task
    if fault.kind in ("cut", "bad-gateway"):
        return  # unfinished: the server closes the connection
    if fault.kind == "reset":
        reset = scope.get("extensions", {}).get(RESET_EXTENSION)
        if callable(reset):
            reset()
        return
    left = asyncio.ensure_future(_hung_up(receive))
    try:
        if fault.kind == "stall":
            await asyncio.wait([left], timeout=fault.seconds)
            if not left.done():
                await send({"type": "http.response.body", "body": body[at:]})
            return
        piece = _piece(fault.rate)
        for start in range(at, len(body), piece):
            await asyncio.wait([left], timeout=min(piece, len(body) - start) / fault.rate)
            if left.done():
                return
            await _part(send, body[start : start + piece])
        await send({"type": "http.response.body", "body": b""})
    finally:
        left.cancel()


async def _simulated(send: Send, body: bytes, fault: BodyFault, at: int, simulation: Simulation) -> None:
    timeout = simulation.read_timeout
    kind: Literal["cut", "reset", "timeout"] | None = None
    if fault.kind in ("cut", "reset", "bad-gateway"):
        kind = "reset" if fault.kind == "reset" else "cut"
    elif timeout is not None and _longest_wait(fault) > timeout:
        kind = "timeout"
    if kind is None:
        await send({"type": "http.response.body", "body": body})
        return
    await _part(send, body[:at])
    await send({"type": "http.response.body", "body": b""})  # in-process: the transport raises
    simulation.broken = Broken(kind, at, len(body))


def _longest_wait(fault: BodyFault) -> float:
    """The longest a client waits for a read under this fault (a stall's pause, a dribble's tick)."""
    if fault.kind == "stall":
        return fault.seconds
    return _piece(fault.rate) / fault.rate if fault.kind == "dribble" else 0.0


def _piece(rate: int) -> int:
    return max(1, int(rate * _DRIBBLE_TICK))


async def _part(send: Send, chunk: bytes) -> None:
    if chunk:
        await send({"type": "http.response.body", "body": chunk, "more_body": True})


async def _hung_up(receive: Receive) -> None:
    """Returns once the client has gone (the request itself is read and dropped first)."""
    message: Message = await receive()
    while message["type"] != "http.disconnect":
        message = await receive()


def reset_extension(transport: asyncio.Transport) -> Callable[[], None]:
    """`scope["extensions"]["mockserver.reset"]` for a connection: close it with a TCP RST."""

    def reset() -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):  # the peer may be gone already: the close is enough
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()

    return reset
