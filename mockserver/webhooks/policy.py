"""Which callback URLs the mock may contact: a pure function of the URL and the settings.

HTTPS is required (api-facts). `http://` is accepted only on loopback and only with the
explicit opt-in for local development. An https URL to any other host is the user's business
(the real service would deliver there) but the mock never contacts a host the user has not
allowed: such deliveries are recorded as `blocked`. Hosts are never resolved (no DNS).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["CallbackPolicy", "is_loopback"]

_HTTP_HINT = "http:// is accepted only to localhost, 127.0.0.1 or ::1, with --webhook-allow-http-loopback"


def is_loopback(host: str) -> bool:
    """`localhost`, 127.0.0.0/8 or ::1, by name or literal only (never resolved)."""
    host = host.lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class CallbackPolicy:
    allow_http_loopback: bool = False
    allow_hosts: frozenset[str] = field(default_factory=frozenset)

    def refusal(self, url: str) -> str | None:
        """Why a `callback_url` is refused at submit (None: accepted)."""
        try:
            parts = urlsplit(url)
            host = parts.hostname
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError as exc:
            return f"callback_url is not a valid URL: {exc}"
        scheme = parts.scheme.lower()
        if not host:
            return "callback_url must be an absolute https:// URL with a host"
        if scheme == "https":
            return None
        if scheme == "http" and is_loopback(host):
            if self.allow_http_loopback:
                return None
            return (
                "callback_url must use https://; for a local http:// receiver start the mock "
                "with --webhook-allow-http-loopback"
            )
        return f"callback_url must use https:// ({_HTTP_HINT})"

    def allows(self, url: str) -> bool:
        """Whether a delivery to `url` may be sent (loopback, or a host the user allowed)."""
        if self.refusal(url) is not None:
            return False
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
        return is_loopback(host) or host in {h.lower().rstrip(".") for h in self.allow_hosts}
