"""A live mock on loopback, in a background thread: for apps that are not Python or not httpx."""

from __future__ import annotations

import threading
import time
from types import TracebackType

import uvicorn
from starlette.applications import Starlette

from mockserver.config import MockConfig
from mockserver.control.controller import Controller
from mockserver.domain.clock import Clock
from mockserver.http.app import MockApp, create_app
from mockserver.http.protocol import DEFAULT_LIMITS, Limits, uvicorn_options

__all__ = ["MockServer"]


class _ThreadServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # signals belong to the main thread's owner
        pass


class MockServer:
    """`with MockServer() as server: server.base_url` → "http://127.0.0.1:PORT/api/v1".

    uvicorn binds port 0 itself (the kernel picks a free port, and TCP_NODELAY is set), and
    readiness is awaited with a deadline, never forever.
    """

    def __init__(
        self,
        config: MockConfig | None = None,
        *,
        clock: Clock | None = None,
        app: Starlette | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        startup_timeout: float = 10.0,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.app = app or create_app(config, clock=clock)
        self.host = host
        self._port = port
        self._timeout = startup_timeout
        self._limits = limits
        self._server: _ThreadServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def controller(self) -> Controller:
        """The one front object of the served mock (the same as `/_mock/`)."""
        if not isinstance(self.app, MockApp):
            raise TypeError("this server runs an app not made by mockserver.create_app")
        return self.app.controller

    @property
    def port(self) -> int:
        if self._server is None or not self._server.servers:
            raise RuntimeError("the server is not running")
        port: int = self._server.servers[0].sockets[0].getsockname()[1]
        return port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/api/v1"

    def start(self) -> MockServer:
        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=self._port,
            log_level="warning",
            access_log=False,
            lifespan="on",
            **uvicorn_options(self._limits),  # bounded connections; a download fault may reset one
        )
        self._server = _ThreadServer(config)
        self._thread = threading.Thread(target=self._server.run, name="mockserver", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + self._timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"mockserver did not start on {self.host}:{self._port}")
            time.sleep(0.001)  # bounded by the deadline above
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
