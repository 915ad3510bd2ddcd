"""Everything one mock instance holds, built once by `create_app` and reachable from its app."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from mockserver.config import MockConfig
from mockserver.domain.clock import Clock
from mockserver.domain.journal import Journal
from mockserver.domain.service import MockService
from mockserver.http.content import VideoLibrary
from mockserver.http.documents import Document
from mockserver.persistence.sink import NullSink, StateSink
from mockserver.webhooks.dispatcher import WebhookDispatcher
from mockserver.wire.auth import new_admin_token

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
    # Signs 2026-10's download `urls` (per instance: a URL of one mock means nothing to another).
    url_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    _served: Document | None = field(default=None, repr=False)

    def served_document(self) -> Document:
        """What `/openapi.yaml` serves: the version's document, made exact for the running catalog
        where the version says so (built on first use: startup does not pay for it)."""
        if self._served is None:
            self._served = self.document
            if self.service.version.constrained_document:
                from mockserver.http.constrained import constrained_spec
                from mockserver.http.documents import dump_document

                self._served = dump_document(constrained_spec(self.document.spec, self.service.catalog))
        return self._served

    def reset(self) -> None:
        """Forget every job, key setting, journal entry, webhook delivery and recorded error (per-test isolation)."""
        self.sink.clear()
        self.service.store.reset()
        self.service.ledger.reset()
        self.service.limiter.reset()
        self.journal.clear()
        self.webhooks.reset()
        self.errors.clear()
