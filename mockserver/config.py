"""The server's settings: one frozen object, built by the CLI or by a test."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

__all__ = ["SCENARIO_HEADER", "MockConfig"]

# A submit carrying this header runs under the named scenario (the job keeps it).
SCENARIO_HEADER = "X-Mock-Scenario"


@dataclass(frozen=True, kw_only=True, slots=True)
class MockConfig:
    """How the mock behaves.

    Core:
    - `scenario`: a built-in name or the path of a scenario file; the default for every job.
    - `seed`: job ids, timelines and random faults follow from it (same seed, same run).
    - `speed`: with the system clock, how many vendor seconds pass per real second.
    - `public_base_url`: base of `polling_url` / `unsigned_urls`; by default the request's own
      scheme and host plus `/api/v1`.
    - `api_keys`: the only keys accepted; None accepts any key of the vendor's shape.
    - `max_body_bytes`: larger request bodies are refused with 400.
    - `journal_size`: how many requests the journal keeps (a ring buffer).
    - `max_jobs`: jobs kept in memory; beyond it the oldest *finished* jobs are forgotten (then
      404, like an expired resource). None keeps every job.

    Realism (all off by default, so a bare mock never refuses a valid request):
    - `credits`: every key's starting balance in USD; None = unlimited (no 402 ever).
    - `rate_limit`: submits per minute per key (token bucket, burst = the same number); None = off.
    - `max_concurrent_jobs`: unfinished jobs a key may have at once; None = no cap.
    - `webhook_url`: the workspace default `callback_url` (a job's own `callback_url` wins).
    - `webhook_secret`: signs deliveries (`X-ModelGates-Signature`) when set.
    - `webhook_allow_http_loopback`: accept `http://` callbacks on loopback (local development).
    - `webhook_allow_hosts`: hosts besides loopback that deliveries may reach; none by default.
    - `webhook_max_attempts`: attempts per delivery (first try included) before giving up.
    - `admin_token`: bearer token of the operator for `/_mock/` (all keys); None = a random one.
    - `state_path`: SQLite file that keeps everything across restarts; None = in memory.

    Videos (`mockserver.media`):
    - `render`: "on" renders each job's own MP4 (its size, duration, audio; needs PyAV, else the
      fixtures with one log line); "off" serves the shipped fixture of the job's aspect ratio.
    - `video_bitrate`: video bits per second at 720p; other sizes scale by pixel count.
    - `render_cache_bytes`: bound of the in-memory cache of rendered videos.
    - `render_cache_dir`: also keep rendered videos in this directory (reused after a restart).
    - `cors`: the browser origin the CLI answers (preflights included); None = no CORS headers.
    """

    scenario: str = "happy"
    seed: int = 0
    speed: float = 1.0
    public_base_url: str | None = None
    api_keys: frozenset[str] | None = None
    max_body_bytes: int = 10 * 1024 * 1024
    journal_size: int = 10_000
    max_jobs: int | None = 10_000
    credits: Decimal | None = None
    rate_limit: int | None = None
    max_concurrent_jobs: int | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_allow_http_loopback: bool = False
    webhook_allow_hosts: frozenset[str] = field(default_factory=frozenset)
    webhook_max_attempts: int = 5
    admin_token: str | None = None
    state_path: str | None = None
    render: str = "on"
    video_bitrate: int = 1_000_000
    render_cache_bytes: int = 256 * 1024 * 1024
    render_cache_dir: str | None = None
    cors: str | None = None
