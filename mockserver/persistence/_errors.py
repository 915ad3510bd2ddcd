"""What a state file this mock cannot use raises (`schema` re-exports it)."""

from __future__ import annotations

__all__ = ["StateFileError"]


class StateFileError(Exception):
    """A state file this mock cannot use; the message is one line naming the file."""
