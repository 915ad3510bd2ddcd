"""Scenarios are data: TOML files of lifecycle steps and HTTP faults, validated on load.

A scenario says how a job's status moves (each step lasts some seconds, a random range drawn
per job from the seed, or some number of polls) and which requests fail on purpose (a 429 on
the first submit, a 500 on every third poll, a 502 on the first download). Built-ins live in
`fixtures/scenarios/`; `load_scenario(path)` reads a user's file. A bad file fails loudly,
naming the file and the step.

This module finds scenarios (the built-in folder, a path, files watched for changes) and is
where callers import them from: the frozen `Scenario` is `_scenario_types`', reading a file is
`_scenario_files`', faults are `faults`' and the drawing of a job's steps is `timelines`'.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from mockserver._resources import scenarios_dir
from mockserver.domain._scenario_files import load_scenario, parse_scenario
from mockserver.domain._scenario_types import Answers, Scenario, ScenarioError
from mockserver.domain.faults import DOCUMENTED_STATUSES, Fault, Operation, Statuses, WebhookFaults
from mockserver.domain.timelines import Step

__all__ = [
    "Answers",
    "Fault",
    "Operation",
    "Scenario",
    "ScenarioError",
    "ScenarioFiles",
    "Step",
    "WebhookFaults",
    "builtin_scenarios",
    "load_scenario",
    "parse_scenario",
    "resolve_scenario",
]


@lru_cache(maxsize=256)
def _load_unchanged(path: Path, mtime_ns: int, size: int) -> Scenario:
    """Each file is parsed once per version (scenarios are frozen, so sharing them is safe)."""
    return load_scenario(path, DOCUMENTED_STATUSES)


def builtin_scenarios(directory: Path | None = None) -> dict[str, Scenario]:
    """Every `*.toml` of the folder by stem; a fresh dict each call, files parsed once per change."""
    folder = directory or scenarios_dir()
    found = {}
    for path in sorted(folder.glob("*.toml")):
        try:
            stat = path.stat()
        except OSError:  # gone since the glob: load_scenario names the file and the error
            found[path.stem] = load_scenario(path, DOCUMENTED_STATUSES)
            continue
        found[path.stem] = _load_unchanged(path, stat.st_mtime_ns, stat.st_size)
    return found


def resolve_scenario(name_or_path: str, known: Mapping[str, Scenario], statuses: Statuses | None = None) -> Scenario:
    """A built-in by name, or a file by path (`--scenario ./my-flow.toml`)."""
    if name_or_path in known:
        return known[name_or_path]
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.is_file():
        return load_scenario(path, statuses)
    raise ScenarioError(
        f"unknown scenario {name_or_path!r}; built-ins: {', '.join(sorted(known))} (or give the path of a .toml file)"
    )


class ScenarioFiles:
    """Scenario files given by path, watched: a changed file is read again (by mtime and size).

    Jobs keep the timeline they were given at submit; only the next submits see the new file. A
    file that became invalid keeps its last good version until fixed (`reload` says why)."""

    def __init__(self) -> None:
        self._versions: dict[str, tuple[int, int]] = {}

    def watch(self, name_or_path: str) -> None:
        path = Path(name_or_path)
        if path.suffix == ".toml" and name_or_path not in self._versions:
            self._versions[name_or_path] = _version(path)

    def __contains__(self, name: object) -> bool:
        return name in self._versions

    def changed(self, name: str) -> Scenario | None:
        """The file's new version if it changed since last read, else None; raises ScenarioError if invalid."""
        version = _version(Path(name))
        if version == self._versions.get(name):
            return None
        scenario = load_scenario(Path(name))
        self._versions[name] = version
        return scenario

    def names(self) -> list[str]:
        return sorted(self._versions)


def _version(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1)
    return stat.st_mtime_ns, stat.st_size
