"""Live progress on stderr: one line redrawn in place on a terminal, plain lines in a log."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from client import Job

__all__ = ["PLAIN_EVERY", "TICK", "Progress", "clock_text", "megabytes"]

TICK = 1.0  # how often the live line refreshes its clock while waiting
PLAIN_EVERY = 30.0  # in a log, repeat an unchanged status this often to show we are alive


class Progress:
    """Live progress on `stream`: one line redrawn in place on a terminal, plain lines otherwise."""

    def __init__(self, stream: TextIO, clock: Callable[[], float], *, live: bool | None = None):
        self.stream = stream
        self.clock = clock
        self.live = stream.isatty() if live is None else live
        self.started = clock()
        self.job: Job | None = None
        self.phase = ""  # what the current line shows: a job status or "download"; "" for none
        self.key: object = None  # a plain line is printed when this changes
        self.text = ""
        self.printed_at = -PLAIN_EVERY

    def on_job(self, job: Job) -> None:
        self.job = job
        self.show(f"job {job.id} {job.status}", phase=job.status, key=job.status)

    def on_bytes(self, done: int, total: int | None) -> None:
        of = f" / {megabytes(total)} ({100 * done // total}%)" if total else ""
        quarter = 4 * done // total if total else 0  # plain mode prints each quarter
        self.show(f"downloading {megabytes(done)}{of}", phase="download", key=quarter)

    def show(self, text: str, *, phase: str, key: object) -> None:
        now = self.clock()
        line = f"[{clock_text(now - self.started)}] {text}"
        if self.live:
            if self.phase and phase != self.phase:
                self.stream.write("\n")  # keep each finished phase on screen
            self.stream.write(f"\r{line}\x1b[K")
        elif key != self.key or now - self.printed_at >= PLAIN_EVERY:
            self.stream.write(line + "\n")
            self.printed_at = now
        self.phase, self.key, self.text = phase, key, text
        self.stream.flush()

    def sleeper(self, sleep: Callable[[float], object]) -> Callable[[float], None]:
        """`sleep` in `TICK` slices that redraw the elapsed time of a live status line."""

        def ticking(seconds: float) -> None:
            if not self.live:
                sleep(seconds)
            while self.live and seconds > 0:
                step = min(TICK, seconds)
                sleep(step)
                seconds -= step
                if self.phase not in ("", "download"):
                    self.show(self.text, phase=self.phase, key=self.key)

        return ticking

    def close(self) -> None:
        if self.live and self.phase:
            self.stream.write("\n")
            self.stream.flush()
        self.phase = ""


def clock_text(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def megabytes(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB" if count >= 100_000 else f"{count / 1000:.0f} kB"
