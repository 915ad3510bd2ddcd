"""Everything one mock instance holds, built once by `create_app`: the shell's own wiring.

Nothing outside `mockserver.http` reaches in here: tests, `contracts/` and `bench/` steer the mock
through `instance.controller` (`mockserver.mock_controller(app)`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from functools import cached_property

from mockserver.config import MockConfig
from mockserver.control.controller import Controller
from mockserver.domain.clock import Clock
from mockserver.domain.journal import Journal
from mockserver.domain.service import MockService
from mockserver.http.content import VideoLibrary
from mockserver.http.documents import Document
from mockserver.persistence.sink import NullSink, StateSink
from mockserver.webhooks.dispatcher import WebhookDispatcher
from mockserver.wire.auth import new_admin_token

__all__ = ["Instance", "new_url_secret"]


def new_url_secret() -> bytes:
    return secrets.token_bytes(32)


@dataclass
class Instance:
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
    # Signs 2026-10's download `urls` (per instance: a URL of one mock means nothing to another;
    # with `--state`, the file's, so a restart keeps them valid).
    url_secret: bytes = field(default_factory=new_url_secret)
    _served: Document | None = field(default=None, repr=False)

    def served_document(self) -> Document:
        """What `/openapi.yaml` serves: the version's document made exact for the running catalog
        and callback policy (built on first use: startup does not pay for it)."""
        if self._served is None:
            from mockserver.http.constrained import constrained_spec
            from mockserver.http.documents import dump_document

            spec = constrained_spec(
                self.document.spec,
                self.service.catalog,
                current_fields=self.service.version.current_fields,
                http_loopback=self.webhooks.policy.allow_http_loopback,
            )
            self._served = dump_document(spec)
        return self._served

    def close(self) -> None:
        """Let go of the state file (its lock included); a process that ends lets go by itself."""
        self.sink.close()

    def reset(self) -> None:
        """Forget every job, key setting, journal entry, webhook delivery and recorded error (per-test isolation)."""
        self.sink.clear()
        self.service.store.reset()
        self.service.ledger.reset()
        self.service.limiter.reset()
        self.journal.clear()
        self.webhooks.reset()
        self.errors.clear()

    @cached_property
    def controller(self) -> Controller:
        """The one front object over this instance (what `/_mock/`, the plugin and tests call)."""
        return Controller(
            service=self.service,
            journal=self.journal,
            clock=self.clock,
            api_keys=self.config.api_keys,
            videos=self.videos,
            deliveries=self.webhooks,
            reset=self.reset,
            clock_moved=lambda: self.sink.clock_moved(self.clock),
            flush=self.sink.flush,
            errors=self.errors,
        )
