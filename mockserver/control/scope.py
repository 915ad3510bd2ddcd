"""Who is asking the controller (`Scope`: the operator or one API key), and `UNSET` ("leave as is")."""

from __future__ import annotations

from enum import Enum
from typing import Literal

from mockserver.domain.errors import ApiError

__all__ = ["OPERATOR", "UNSET", "Scope", "Unset", "require_operator"]


class Scope:
    """Who is asking: the operator (`key` None: every key) or one API key."""

    __slots__ = ("key",)

    def __init__(self, key: str | None = None) -> None:
        self.key = key

    @property
    def is_operator(self) -> bool:
        return self.key is None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scope) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"Scope({self.key!r})"


OPERATOR = Scope()


class Unset(Enum):
    UNSET = "unset"


UNSET: Literal[Unset.UNSET] = Unset.UNSET  # "leave as is", distinct from None ("back to the default")


def require_operator(scope: Scope) -> None:
    if not scope.is_operator:
        raise ApiError(403, "Only the operator (admin token) may do this")
