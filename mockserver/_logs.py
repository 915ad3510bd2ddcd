"""What `mockserver` prints: the banner, job transitions and (with `--access-log`) every request.

All of it goes through `logging` to stdout, as plain lines or (`--log-format json`) one JSON
object per line. A transition line shows the wall time it was printed and the mock's time it
happened at separately: at `--speed 60` the mock's clock runs an hour ahead every minute.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.domain.jobs import Job, Transition

__all__ = ["AccessLog", "JsonFormatter", "TransitionLog", "configure", "log"]

log = logging.getLogger("mockserver")
_jobs = logging.getLogger("mockserver.jobs")
_access = logging.getLogger("mockserver.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message, and the event's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure(log_format: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter("%(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    uvicorn = logging.getLogger("uvicorn.error")  # propagates here: the CLI gives uvicorn no log config
    if not any(isinstance(each, _CancelledAtStop) for each in uvicorn.filters):
        uvicorn.addFilter(_CancelledAtStop())


class _CancelledAtStop(logging.Filter):
    """A stop cancels what is still running after the drain (a client stalled mid-upload) and
    uvicorn logs each as an error with its whole traceback; a developer stopping the mock needs
    one line that says what happened."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError):
            record.msg, record.args = "a request still open at the stop was cancelled", ()
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def log_transition(job: Job, transition: Transition, wall: float | None = None) -> None:
    wall = time.time() if wall is None else wall
    elapsed = transition.at - job.created_at
    error = job.error if transition.new == job.status and job.error else None
    fields = {
        "event": "transition",
        "job_id": job.id,
        "old": transition.old.value,
        "new": transition.new.value,
        "model": job.model,
        "scenario": job.scenario,
        "mock_time": _iso(transition.at),
        "t": round(elapsed, 3),
        "error": error,
    }
    _jobs.info(
        "%s job %s  %s -> %s  model=%s scenario=%s  mock %s t+%.1fs%s",
        datetime.fromtimestamp(wall, UTC).strftime("%H:%M:%S"),
        job.id,
        transition.old.value,
        transition.new.value,
        job.model,
        job.scenario,
        _iso(transition.at),
        elapsed,
        f"  error={error!r}" if error else "",
        extra={"fields": fields},
    )


class TransitionLog:
    """Job transitions for the developer watching the terminal, at most `per_second` lines a second.

    A script or load test submitting thousands of jobs would otherwise print two lines per job
    (nobody reads them) and spend more time logging than answering. Lines over the budget are
    counted and reported once, before the next line shown.
    """

    def __init__(self, per_second: int = 20, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_second = per_second
        self._clock = clock
        self._window = -math.inf
        self._shown = self._skipped = 0

    def __call__(self, job: Job, transition: Transition) -> None:
        now = self._clock()
        if now - self._window >= 1.0:
            if self._skipped:
                _jobs.info("  ... %d more transitions not shown (over %d a second)", self._skipped, self.per_second)
            self._window, self._shown, self._skipped = now, 0, 0
        if self._shown >= self.per_second:
            self._skipped += 1
            return
        self._shown += 1
        log_transition(job, transition)


class AccessLog:
    """`--access-log`: one line per request once it is answered (method, path, status, duration)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), [0]

        async def noting(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting)
        finally:
            query = scope.get("query_string", b"")
            path = scope["path"] + ("?" + query.decode("latin-1") if query else "")
            millis = (time.perf_counter() - started) * 1000
            client = scope.get("client") or ("-", 0)
            fields = {
                "event": "request",
                "method": scope["method"],
                "path": path,
                "status": status[0],
                "ms": round(millis, 2),
                "client": client[0],
            }
            _access.info(
                "%s %s %s %s %.1fms", client[0], scope["method"], path, status[0], millis, extra={"fields": fields}
            )
