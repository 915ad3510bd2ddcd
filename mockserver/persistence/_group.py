"""Group commit: the submits a served event loop takes in one turn share one transaction.

A commit costs ~60 µs here however little it writes (BEGIN, the WAL frames, COMMIT), and a
submit's rows ~20 µs: one transaction per submit spent three quarters of a durable submit on
the commit. Under load a turn of the loop takes many submits (64 connections, up to 64), so each
submit's unit joins the open group instead of committing, the group is committed at the loop's
next turn (`call_soon`), and each submit is answered only once the group is committed: a 202 is
durable when it is answered, as before, and every submit is still all of its rows or none.

A member that cannot be written (the group's transaction failed) is taken back in memory
(`undo`) before anything else runs, and its request answers 500, as a lone submit's would.
What a submit does once it is written (`then`: its listeners, retention) runs after the commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Hashable
from typing import Any

from mockserver.domain.store import WriteFailed

__all__ = ["GROUP_MAX", "Group", "Member"]

GROUP_MAX = 256  # members of one group; a fuller group is committed at once
_Writes = dict[Hashable, tuple[str, tuple[Any, ...]]]

log = logging.getLogger("mockserver")


class Member:
    """One submit's writes in a group, how to take it back, and what follows its commit."""

    __slots__ = ("state", "then", "undo", "writes")

    def __init__(self, writes: _Writes, undo: Callable[[], None]) -> None:
        self.writes, self.undo = writes, undo
        self.then: Callable[[], None] | None = None
        self.state = "waiting"  # then "written" or "failed"


class Group:
    """The open group of a loop (`start`), and the future its members' requests wait on."""

    def __init__(self) -> None:
        self.members: list[Member] = []
        self._future: asyncio.Future[WriteFailed | None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def on_loop(self) -> bool:
        """Whether the caller runs on the loop, now (only its requests can wait for a group)."""
        if self._loop is None:
            return False
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:  # no loop running here: an in-process caller, or the loop has stopped
            return False

    def join(self, member: Member, commit: Callable[[], None]) -> asyncio.Future[WriteFailed | None]:
        """Add `member` (called under the writer's lock, on the loop); `commit` runs at the next turn."""
        assert self._loop is not None
        if self._future is None:
            self._future = self._loop.create_future()
            self._loop.call_soon(commit)
        self.members.append(member)
        return self._future

    def take(self) -> tuple[list[Member], asyncio.Future[WriteFailed | None] | None]:
        """The members to commit now and their future; the group starts empty again."""
        members, future = self.members, self._future
        self.members, self._future = [], None
        return members, future

    def settle(
        self,
        members: list[Member],
        future: asyncio.Future[WriteFailed | None] | None,
        failed: WriteFailed | None,
        *,
        at_once: bool = False,
    ) -> None:
        """After the commit (outside the writer's lock): take back the failed members at once, then
        run each written member's `then` and wake the requests waiting: `at_once` from the loop's
        own commit turn, else at the loop's next turn (the commit may be inside another operation)."""
        if not members:
            return
        for member in members:
            member.state = "failed" if failed else "written"
            if failed:
                member.undo()
        if self._loop is None or future is None:
            return
        if at_once:
            _wake(members, future, failed)
        elif self.on_loop():
            self._loop.call_soon(_wake, members, future, failed)
        else:  # a unit of another thread committed the group (an in-process caller of a served mock)
            try:
                self._loop.call_soon_threadsafe(_wake, members, future, failed)
            except RuntimeError:  # the loop has closed: nobody waits any more
                _wake(members, future, failed)


def _wake(members: list[Member], future: asyncio.Future[WriteFailed | None], failed: WriteFailed | None) -> None:
    if failed is None:
        for member in members:
            if member.then is not None:
                try:
                    member.then()
                except Exception as exc:  # one submit's listener must not leave the others unanswered
                    log.error("unexpected error after a submit was written", exc_info=exc)
    if not future.done():
        with contextlib.suppress(RuntimeError):  # a loop closed meanwhile: nobody is left to wake
            future.set_result(failed)
