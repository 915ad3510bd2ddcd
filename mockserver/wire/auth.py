"""Who is calling: the bearer token of a request, checked against the key rules (DECISIONS.md).

Shared by the vendor routes (API keys only) and the control API (API keys or the admin token).
"""

from __future__ import annotations

import secrets
from collections.abc import Collection

from mockserver.domain.errors import ApiError
from mockserver.domain.keys import is_valid_key

__all__ = ["bearer_token", "check_api_key", "is_accepted_key", "is_admin_token", "new_admin_token", "token_of"]


def token_of(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None: the one bearer parser."""
    scheme, _, token = (header or "").strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def bearer_token(header: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header; 401 when missing or malformed."""
    token = token_of(header)
    if token is None:
        if not (header or "").strip():
            raise ApiError(401, "Missing Authentication header")
        raise ApiError(401, "Invalid Authentication header: expected 'Bearer <API key>'")
    return token


def check_api_key(key: str, allowed: Collection[str] | None) -> str:
    """`key` if it is one the mock accepts; else 401."""
    if not is_accepted_key(key, allowed):
        raise ApiError(401, "Invalid API key")
    return key


def is_accepted_key(key: str, allowed: Collection[str] | None) -> bool:
    """The vendor's shape, and one of `--key` when those were given."""
    return is_valid_key(key) and (allowed is None or key in allowed)


def new_admin_token() -> str:
    """A random operator token, made once per app when the config names none."""
    return f"mg-admin-{secrets.token_hex(16)}"


def is_admin_token(token: str, admin_token: str) -> bool:
    # Constant time: the token guards every key's jobs.
    return secrets.compare_digest(token.encode(), admin_token.encode())
