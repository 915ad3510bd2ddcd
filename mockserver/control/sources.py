"""What the controller reads from the shell, as small protocols (control never imports the shell)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from mockserver.domain.jobs import Job

__all__ = ["DeliverySource", "Summarized", "VideoSource"]


class Summarized(Protocol):
    def summary(self) -> dict[str, Any]: ...


class DeliverySource(Protocol):
    """Where webhook deliveries are recorded (the webhook dispatcher); `None` tenant = every key."""

    def deliveries(self, tenant: str | None = None) -> Sequence[Summarized]: ...


class VideoSource(Protocol):
    """The MP4 a completed job downloads as (the shell's video library)."""

    async def video_of(self, job: Job) -> bytes: ...
