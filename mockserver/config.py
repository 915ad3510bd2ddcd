"""The server's settings: one frozen object, built by the CLI or by a test."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MockConfig", "SCENARIO_HEADER"]

# A submit carrying this header runs under the named scenario (the job keeps it).
SCENARIO_HEADER = "X-Mock-Scenario"


@dataclass(frozen=True, kw_only=True, slots=True)
class MockConfig:
    """How the mock behaves.

    - `scenario`: a built-in name or the path of a scenario file; the default for every job.
    - `seed`: job ids, timelines and random faults follow from it (same seed, same run).
    - `speed`: with the system clock, how many vendor seconds pass per real second.
    - `public_base_url`: base of `polling_url` / `unsigned_urls`; by default the request's own
      scheme and host plus `/api/v1`.
    - `api_keys`: the only keys accepted; None accepts any key of the vendor's shape.
    - `max_body_bytes`: larger request bodies are refused with 400.
    - `journal_size`: how many requests the journal keeps (a ring buffer).
    """

    scenario: str = "happy"
    seed: int = 0
    speed: float = 1.0
    public_base_url: str | None = None
    api_keys: frozenset[str] | None = None
    max_body_bytes: int = 10 * 1024 * 1024
    journal_size: int = 10_000
