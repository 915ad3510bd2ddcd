"""The server's settings: one frozen object, built by the CLI or by a test."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from mockserver.domain.versions import ApiVersion, api_version, default_version_name

__all__ = ["SCENARIO_HEADER", "MockConfig"]

# A submit carrying this header runs under the named scenario (the job keeps it).
SCENARIO_HEADER = "X-Mock-Scenario"


@dataclass(frozen=True, kw_only=True, slots=True)
class MockConfig:
    """How the mock behaves.

    Core:
    - `api_version`: which version of the vendor API to be (`2026-06`, the seeds', or `2026-10`);
      by default `$MODELGATES_API_VERSION`, else the newest. `version` is its profile.
    - `scenario`: a built-in name or the path of a scenario file; the default for every job.
    - `catalog`: path of a catalog file in the wire format of `GET /videos/models` (validated at
      startup); None serves the version's built-in catalog.
    - `removed_models`: model ids taken out of the catalog; a submit naming one gets the vendor's
      `400 Model <id> does not exist`.
    - `seed`: job ids, timelines and random faults follow from it (same seed, same run).
    - `speed`: with the system clock, how many vendor seconds pass per real second.
    - `public_base_url`: base of `polling_url` / `unsigned_urls`; by default the request's own
      scheme and host plus `/api/v1`.
    - `api_keys`: the only keys accepted; None accepts any key of the vendor's shape.
    - `max_body_bytes`: larger request bodies are refused (400 in 2026-06, 413 in 2026-10); 0 means
      the version's own limit (10 MiB in 2026-06, 50 MiB in 2026-10).
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
    - `render_cache_shared`: keep rendered videos in one cache for the whole process, shared by
      every mock that sets it (the pytest plugin's in-process mocks: a suite renders a video once,
      not once per test; the keys are the videos' content, so sharing is safe).
    - `cors`: the browser origin the CLI answers (preflights included); None = no CORS headers.
    """

    api_version: str = field(default_factory=default_version_name)
    scenario: str = "happy"
    catalog: str | None = None
    removed_models: frozenset[str] = field(default_factory=frozenset)
    seed: int = 0
    speed: float = 1.0
    public_base_url: str | None = None
    api_keys: frozenset[str] | None = None
    max_body_bytes: int = 0
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
    render_cache_shared: bool = False
    cors: str | None = None

    def __post_init__(self) -> None:
        version = api_version(self.api_version)  # ValueError for an unknown one
        if not self.max_body_bytes:
            object.__setattr__(self, "max_body_bytes", version.max_body_bytes)

    @property
    def version(self) -> ApiVersion:
        return api_version(self.api_version)
