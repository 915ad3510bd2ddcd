"""Persistence: `--state PATH` keeps the mock's state in SQLite so a restart carries on.

Rule: stores and restores domain objects; the domain never imports it (it hands each producer a
callback), and it serves nothing. `StateFile` loads on first use: SQLite is imported only by a
mock started with `--state`.
"""

from __future__ import annotations

import typing as _typing

if _typing.TYPE_CHECKING:
    from mockserver.persistence.state_file import StateFile

__all__ = ["StateFile"]


def __getattr__(name: str) -> object:
    if name != "StateFile":
        raise AttributeError(f"module 'mockserver.persistence' has no attribute {name!r}")
    from mockserver.persistence.state_file import StateFile

    globals()[name] = StateFile  # once imported, an ordinary attribute
    return StateFile
