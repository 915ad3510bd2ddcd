"""Persistence: `--state PATH` keeps the mock's state in SQLite so a restart carries on.

Rule: stores and restores domain objects; the domain never imports it (it hands each producer a
callback), and it serves nothing.
"""

__all__: list[str] = []  # StateFile is exported once the domain's producers stop importing `sink`
