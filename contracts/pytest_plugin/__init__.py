"""pytest plugin `modelgates` (entry point `pytest11`): the ModelGates mock as fixtures.

- `modelgates_mock`: an in-process mock on a virtual clock, with httpx transports and a client
  for the app under test (`contracts.pytest_plugin.fixtures.ModelGatesMock`).
- `modelgates_server`: a live loopback server (one per session and seed, reset for each test),
  for apps that do not use httpx or are not Python (`contracts.pytest_plugin.fixtures.ModelGatesServer`).
- `@pytest.mark.modelgates(scenario="slow-then-fail", seed=7, speed=10, api_version="2026-06")`: the
  scenario (a built-in name, or a scenario file relative to the test file), seed and API version of
  either fixture, and the speed of the live server's clock (mock seconds per real second, 0: only
  `advance` moves it); defaults `happy`, 0, `$MODELGATES_API_VERSION` (else the newest, 2026-10)
  and 10.

This module is imported by every pytest run that has the package installed, so it imports only
pytest: the mock, httpx and friends are loaded inside the fixtures, when a test asks for one.
Errors raised inside the mock during a test are re-raised at its teardown.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pytest

if TYPE_CHECKING:
    from .fixtures import LiveServers, ModelGatesMock, ModelGatesServer

__all__ = ["modelgates_live_servers", "modelgates_mock", "modelgates_server", "pytest_configure"]

MARKER = "modelgates"
DEFAULT_SCENARIO = "happy"
DEFAULT_SEED = 0
DEFAULT_SPEED = 10.0  # contracts.pytest_plugin.fixtures.DEFAULT_SPEED (not imported here: this module stays light)
VERSION_ENV = "MODELGATES_API_VERSION"  # as mockserver.domain.versions (not imported: see above)
NEWEST_VERSION = "2026-10"
KNOWN_VERSIONS = ("2026-06", "2026-10")


class Options(NamedTuple):
    scenario: str
    seed: int
    speed: float
    api_version: str


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(scenario='{DEFAULT_SCENARIO}', seed={DEFAULT_SEED}, speed={DEFAULT_SPEED:g}, "
        f"api_version='{NEWEST_VERSION}'): scenario (built-in name, or file relative to the test file) and seed "
        "of the modelgates_mock / modelgates_server fixtures, the speed of modelgates_server's clock (mock seconds "
        f"per real second; 0: advance() only) and the API version ({' or '.join(KNOWN_VERSIONS)}; default "
        f"${VERSION_ENV}, else {NEWEST_VERSION})",
    )


def _options(request: pytest.FixtureRequest) -> Options:
    marker = request.node.get_closest_marker(MARKER)
    kwargs = dict(marker.kwargs) if marker is not None else {}
    unknown = sorted(set(kwargs) - {"scenario", "seed", "speed", "api_version"})
    if (marker is not None and marker.args) or unknown:
        message = f"@pytest.mark.{MARKER} takes only scenario=, seed=, speed= and api_version= (got {marker})"
        pytest.fail(message, pytrace=False)
    speed = float(kwargs.get("speed", DEFAULT_SPEED))
    if not 0 <= speed < float("inf"):
        pytest.fail(f"@pytest.mark.{MARKER}: speed must be a finite number >= 0 (got {speed!r})", pytrace=False)
    version = str(kwargs.get("api_version") or os.environ.get(VERSION_ENV) or NEWEST_VERSION)
    if version not in KNOWN_VERSIONS:
        pytest.fail(f"@pytest.mark.{MARKER}: unknown api_version {version!r}; known: {', '.join(KNOWN_VERSIONS)}")
    scenario = _scenario_path(request, str(kwargs.get("scenario", DEFAULT_SCENARIO)))
    return Options(scenario, int(kwargs.get("seed", DEFAULT_SEED)), speed, version)


def _scenario_path(request: pytest.FixtureRequest, scenario: str) -> str:
    """A relative scenario file is looked for next to the test file first (pytest's convention)."""
    path = Path(scenario)
    if path.is_absolute() or not (path.suffix == ".toml" or len(path.parts) > 1):
        return scenario  # a built-in name, or already absolute
    beside = Path(request.node.path).parent / path
    return str(beside) if beside.is_file() else scenario


def _api_key(request: pytest.FixtureRequest, seed: int) -> str:
    from mockserver import new_api_key

    return new_api_key(f"{seed}:{request.node.nodeid}")  # fresh per test, the same on every run


@pytest.fixture
def modelgates_mock(request: pytest.FixtureRequest) -> Iterator[ModelGatesMock]:
    """An in-process ModelGates mock for this test; see `contracts.pytest_plugin.fixtures.ModelGatesMock`."""
    from .fixtures import ModelGatesMock

    scenario, seed, _speed, version = _options(request)  # in-process, time moves only by `advance`
    mock = ModelGatesMock(scenario=scenario, seed=seed, api_key=_api_key(request, seed), api_version=version)
    try:
        yield mock
    finally:
        mock.close()
    mock.raise_errors()


@pytest.fixture(scope="session")
def modelgates_live_servers() -> Iterator[LiveServers]:
    """The session's live mock servers (started on first use, one per seed and API version)."""
    from .fixtures import LiveServers

    servers = LiveServers()
    try:
        yield servers
    finally:
        servers.stop()


@pytest.fixture
def modelgates_server(
    request: pytest.FixtureRequest, modelgates_live_servers: LiveServers
) -> Iterator[ModelGatesServer]:
    """A live loopback mock, reset for this test; see `contracts.pytest_plugin.fixtures.ModelGatesServer`."""
    from .fixtures import ModelGatesServer

    scenario, seed, speed, version = _options(request)
    live = modelgates_live_servers.get(seed, version)
    server = ModelGatesServer(live, scenario=scenario, api_key=_api_key(request, seed), speed=speed)
    try:
        yield server
    finally:
        server.close()
    server.raise_errors()
