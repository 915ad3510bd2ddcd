"""An open-loop load: requests sent at a fixed rate, each timed from when it was due (and a
closed-loop one, wrk's loop in Python, to tell wrk's own spikes from the server's).

wrk (closed loop) sends a connection's next request only once its last answer came, so a
server that stalls is sent less while it stalls and the requests it would have kept waiting are
never timed (coordinated omission); at saturation its latencies mostly restate the rate
(connections / rate). Here request i is due at `i / rate` s from the start, whatever the server
does: it goes out on a free keep-alive connection of a bounded pool (or waits in a queue for one,
which counts) and its latency runs from its due time to the last byte of its answer. `lag` is
due-to-send, the part of a latency spent in this process (waiting for a connection included).
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

__all__ = ["Sample", "closed_loop", "open_loop"]

_TIMEOUT_S = 5.0  # a request not answered by then ends the run as an error


@dataclass(frozen=True, slots=True)
class Sample:
    due: float  # s from the start
    latency: float  # s, due to answered
    lag: float  # s, due to sent
    ok: bool  # a 2xx


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection, one request at a time; answers have a Content-Length."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._waiting: asyncio.Future[bool] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def send(self, payload: bytes) -> asyncio.Future[bool]:
        assert self.transport is not None
        self._waiting = asyncio.get_running_loop().create_future()
        self.transport.write(payload)
        return self._waiting

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(buffer[:end]).lower()
        at = head.find(b"\r\ncontent-length:")
        length = int(head[at + 17 :].split(b"\r\n", 1)[0]) if at >= 0 else 0
        if len(buffer) < end + 4 + length:
            return
        ok = buffer[9:10] == b"2"
        del buffer[: end + 4 + length]
        if self._waiting is not None and not self._waiting.done():
            self._waiting.set_result(ok)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._waiting is not None and not self._waiting.done():
            self._waiting.set_exception(exc or ConnectionError("closed by the server"))


def _payload(url: str, headers: dict[str, str], body: bytes) -> tuple[str, int, bytes]:
    parts = urlsplit(url)
    head = f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: {len(body)}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return parts.hostname or "127.0.0.1", parts.port or 80, (head + "\r\n").encode() + body


async def _run(url: str, headers: dict[str, str], body: bytes, rate: float, seconds: float, pool: int) -> list[Sample]:
    host, port, payload = _payload(url, headers, body)
    loop = asyncio.get_running_loop()
    free: deque[_Connection] = deque()
    for _ in range(pool):
        free.append((await loop.create_connection(_Connection, host, port))[1])
    every = list(free)
    queue: deque[float] = deque()  # due times waiting for a connection
    samples: list[Sample] = []
    finished = loop.create_future()
    total = int(rate * seconds)
    start = time.perf_counter()

    def dispatch(connection: _Connection, due: float) -> None:
        sent = time.perf_counter()
        answer = connection.send(payload)
        answer.add_done_callback(lambda answer: answered(connection, due, sent, answer))

    def answered(connection: _Connection, due: float, sent: float, answer: asyncio.Future[bool]) -> None:
        ok = answer.exception() is None and answer.result()
        samples.append(Sample(due - start, time.perf_counter() - due, sent - due, ok))
        if len(samples) == total and not finished.done():
            finished.set_result(None)
        if answer.exception() is not None:
            return  # a dead connection leaves the pool
        if queue:
            dispatch(connection, queue.popleft())
        else:
            free.append(connection)

    for index in range(total):
        due = start + index / rate
        while (delay := due - time.perf_counter()) > 0:  # never early: a timer may fire up to 1 ms early
            await asyncio.sleep(delay)
        if free:
            dispatch(free.popleft(), due)
        else:
            queue.append(due)
    try:
        await asyncio.wait_for(finished, _TIMEOUT_S)
    finally:
        for connection in every:
            if connection.transport is not None:
                connection.transport.close()
    return samples


async def _closed(url: str, headers: dict[str, str], body: bytes, seconds: float, pool: int) -> list[Sample]:
    host, port, payload = _payload(url, headers, body)
    loop = asyncio.get_running_loop()
    every = [(await loop.create_connection(_Connection, host, port))[1] for _ in range(pool)]
    samples: list[Sample] = []
    start = time.perf_counter()
    stop = start + seconds

    async def worker(connection: _Connection) -> None:
        while (sent := time.perf_counter()) < stop:
            ok = await asyncio.wait_for(connection.send(payload), _TIMEOUT_S)
            samples.append(Sample(sent - start, time.perf_counter() - sent, 0.0, ok))

    try:
        await asyncio.gather(*(worker(connection) for connection in every))
    finally:
        for connection in every:
            if connection.transport is not None:
                connection.transport.close()
    return samples


def closed_loop(url: str, headers: dict[str, str], body: bytes, seconds: float, pool: int = 64) -> list[Sample]:
    """wrk's loop in this process: each of `pool` connections POSTs `body` again as soon as its
    last answer came, for `seconds` (bounded by time; a request unanswered for `_TIMEOUT_S` ends
    the run). A second client beside wrk, so a spike both see is the server's."""
    return _without_collector(_closed(url, headers, body, seconds, pool))


def open_loop(
    url: str, headers: dict[str, str], body: bytes, rate: float, seconds: float, pool: int = 64
) -> list[Sample]:
    """POST `body` to `url` `rate` times a second for `seconds` over up to `pool` connections
    (bounded: rate × seconds requests; the run fails if the last is not answered within
    `_TIMEOUT_S` of the schedule's end)."""
    return _without_collector(_run(url, headers, body, rate, seconds, pool))


def _without_collector(run: Coroutine[Any, Any, list[Sample]]) -> list[Sample]:
    collecting = gc.isenabled()
    gc.disable()  # this process's own pauses would be charged to the server (the run makes no cycles)
    try:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            return runner.run(run)
    finally:
        if collecting:
            gc.enable()


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None  # asyncio's own loop: slower, still open-loop
    return uvloop.new_event_loop
