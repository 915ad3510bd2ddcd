"""Client configuration: the only place that reads the environment.

Precedence for each setting: constructor argument > `MODELGATES_*` environment variable > default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from client._retry import DEFAULT_MAX_RETRIES

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_TIMEOUT", "ClientConfig", "resolve_config"]

DEFAULT_BASE_URL = "https://modelgates.ai/api/v1"
# Reads are per chunk/answer, not per whole download; the connect timeout stays short so that a
# submit that could not connect fails (and is retried) quickly.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)

API_KEY_ENV = "MODELGATES_API_KEY"
BASE_URL_ENV = "MODELGATES_BASE_URL"


@dataclass(frozen=True, kw_only=True)
class ClientConfig:
    """Resolved settings. `api_key` may be None: only the public catalog works without one."""

    api_key: str | None
    base_url: str
    timeout: httpx.Timeout
    max_retries: int


def resolve_config(
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    timeout: float | httpx.Timeout | None = None,
    max_retries: int | None = None,
    env: Mapping[str, str] | None = None,
) -> ClientConfig:
    """Apply the precedence rules; `env` defaults to `os.environ` (tests pass a dict)."""
    env = os.environ if env is None else env
    key = api_key if api_key is not None else env.get(API_KEY_ENV)
    url = base_url or env.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    retries = DEFAULT_MAX_RETRIES if max_retries is None else max_retries
    if retries < 0:
        raise ValueError(f"max_retries must be >= 0, got {retries}")
    return ClientConfig(
        api_key=key or None,
        base_url=url.rstrip("/"),
        timeout=_timeout(timeout),
        max_retries=retries,
    )


def _timeout(value: float | httpx.Timeout | None) -> httpx.Timeout:
    if value is None:
        return DEFAULT_TIMEOUT
    return value if isinstance(value, httpx.Timeout) else httpx.Timeout(value)
