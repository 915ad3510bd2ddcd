"""Everything one mock instance holds, built once by `create_app` and reachable from its app."""

from __future__ import annotations

from dataclasses import dataclass, field

from .auth import new_admin_token
from .clock import Clock
from .config import MockConfig
from .content import VideoLibrary
from .document import Document
from .journal import Journal
from .service import MockService
from .sink import NullSink, StateSink
from .webhooks import WebhookDispatcher

__all__ = ["MockState"]


@dataclass
class MockState:
    config: MockConfig
    clock: Clock
    service: MockService
    journal: Journal
    document: Document
    videos: VideoLibrary
    webhooks: WebhookDispatcher
    # Unexpected exceptions inside the app: answered with a 500 envelope, kept for tests to re-raise.
    errors: list[BaseException] = field(default_factory=list)
    # Where changes are written through (`--state`); NullSink in memory.
    sink: StateSink = field(default_factory=NullSink)
    # Bearer token of the operator on /_mock/ (every key); `config.admin_token` or a random one.
    admin_token: str = field(default_factory=new_admin_token)

    def reset(self) -> None:
        """Forget every job, key setting, journal entry, webhook delivery and recorded error (per-test isolation)."""
        self.sink.clear()
        self.service.store.reset()
        self.service.ledger.reset()
        self.service.limiter.reset()
        self.journal.clear()
        self.webhooks.reset()
        self.errors.clear()
