"""Slow or silent connections cannot hold the live server (issue 15, item 8): each bound, on loopback.

Short limits keep every test well under a second or two; waits are socket timeouts, never sleeps.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from mockserver import MockConfig
from mockserver.http.protocol import DEFAULT_LIMITS, Limits, uvicorn_options
from mockserver.http.server import MockServer

LIMITS = Limits(idle_seconds=0.3, head_seconds=0.3, body_seconds=0.3, max_head_bytes=8 * 1024, max_connections=4)


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(MockConfig(seed=3), limits=LIMITS) as running:
        yield running


def _connect(server: MockServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=2.0)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (bounded by the socket's 2 s timeout)."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def _answer(raw: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def test_a_connection_that_sends_nothing_is_closed(server: MockServer) -> None:
    with _connect(server) as sock:
        started = time.monotonic()
        assert _read_all(sock) == b""
        assert time.monotonic() - started < 1.5


def test_headers_that_stop_arriving_get_a_408(server: MockServer) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /api/v1/videos/models HTTP/1.1\r\nHost: x\r\n")
        status, body = _answer(_read_all(sock))
    assert status == 408 and body["error"] == {"code": 408, "message": body["error"]["message"]}  # type: ignore[index]


def test_headers_over_the_cap_get_a_431(server: MockServer) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /api/v1/videos/models HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n")
        status, body = _answer(_read_all(sock))
    assert status == 431 and body["error"]["code"] == 431  # type: ignore[index]


def test_a_header_that_never_ends_gets_a_431_before_it_completes(server: MockServer) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /api/v1/videos/models HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000)
        status, _ = _answer(_read_all(sock))
    assert status == 431


def test_a_body_that_stops_arriving_gets_a_408_and_leaves_no_error(server: MockServer) -> None:
    with _connect(server) as sock:
        sock.sendall(
            b"POST /api/v1/videos HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-mg-v1-" + b"0" * 64 + b"\r\n"
            b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"model":'
        )
        status, body = _answer(_read_all(sock))
    assert status == 408 and "body" in body["error"]["message"]  # type: ignore[index]
    assert server.controller.errors == []


def test_a_normal_request_still_works_and_keep_alive_ends(server: MockServer) -> None:
    with httpx.Client(base_url=server.url, timeout=2.0) as client:
        assert client.get("/_mock/health").status_code == 200
    with _connect(server) as sock:
        sock.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n")
        started = time.monotonic()
        assert b"200 OK" in _read_all(sock)  # then the idle keep-alive connection is closed
        assert time.monotonic() - started < 1.9


def test_connections_past_the_cap_get_a_503(server: MockServer) -> None:
    idle = [_connect(server) for _ in range(LIMITS.max_connections)]
    try:
        with _connect(server) as sock:
            sock.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert sock.recv(65536).startswith(b"HTTP/1.1 503")
    finally:
        for sock in idle:
            sock.close()


def test_the_cli_and_the_live_fixture_get_the_default_bounds() -> None:
    options = uvicorn_options()
    assert options["timeout_keep_alive"] == 5 and options["limit_concurrency"] == 1000
    assert options["h11_max_incomplete_event_size"] == 64 * 1024
    assert DEFAULT_LIMITS.head_seconds == DEFAULT_LIMITS.body_seconds == 10.0
