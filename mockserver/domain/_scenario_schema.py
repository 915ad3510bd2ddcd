"""Checking a parsed TOML table field by field, collecting every problem with its path.

A scenario file is a handful of small tables; a schema library would cost the server more
startup time to import (~60 ms) than all of its files take to check. Each problem reads
`<where>: <what>`, where `where` is the dotted path of the field (`steps.1.seconds`).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any, TypeVar, overload

__all__ = ["Problems", "Table", "show"]

T = TypeVar("T")


def show(value: object) -> str:
    """A value as the file spells it (true, "text", [1, 2]), cut short if long."""
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


class Problems:
    """Every problem found in one file, in the order found."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def add(self, where: str, what: str) -> None:
        self.found.append(f"{where or 'scenario'}: {what}")

    def __len__(self) -> int:
        return len(self.found)


class Table:
    """One table at `where` (`""` for the file itself); keys outside `fields` are refused."""

    def __init__(self, raw: object, where: str, fields: Collection[str], problems: Problems) -> None:
        self.where, self.problems = where, problems
        self.data: dict[str, Any] = raw if isinstance(raw, dict) else {}
        if not isinstance(raw, dict):
            problems.add(where, f"must be a table, not {show(raw)}")
        for key in sorted(set(self.data) - set(fields)):
            problems.add(self.at(key), f"unknown field (allowed: {', '.join(sorted(fields))})")

    def at(self, key: str | int) -> str:
        return f"{self.where}.{key}" if self.where else str(key)

    def choice(self, key: str, options: Mapping[str, T]) -> T | None:
        """A required field naming one of `options`."""
        value = self.data.get(key)
        allowed = ", ".join(options)
        if value is None:
            self.problems.add(self.at(key), f"required (one of {allowed})")
        elif not isinstance(value, str) or value not in options:
            self.problems.add(self.at(key), f"{show(value)} is not one of {allowed}")
        else:
            return options[value]
        return None

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self.data.get(key, default)
        if value is None or isinstance(value, str):
            return value
        self.problems.add(self.at(key), f"must be a string, not {show(value)}")
        return default

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key, default)
        if isinstance(value, bool):
            return value
        self.problems.add(self.at(key), f"must be true or false, not {show(value)}")
        return default

    def array(self, key: str) -> list[Any] | None:
        value = self.data.get(key)
        if value is None or isinstance(value, list):
            return value
        self.problems.add(self.at(key), f"must be an array of tables ([[{key}]]), not {show(value)}")
        return None

    @overload
    def whole(self, key: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int: ...
    @overload
    def whole(
        self, key: str, default: None = None, *, minimum: int | None = None, maximum: int | None = None
    ) -> int | None: ...
    def whole(
        self, key: str, default: int | None = None, *, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        """An optional whole number within [minimum, maximum]."""
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, int) or isinstance(value, bool):
            self.problems.add(self.at(key), f"must be a whole number, not {show(value)}")
            return default
        return value if self.bounded(self.at(key), value, value, minimum, maximum) else default

    @overload
    def real(
        self,
        key: str,
        default: float,
        *,
        minimum: float | None = None,
        above: float | None = None,
        maximum: float | None = None,
    ) -> float: ...
    @overload
    def real(
        self,
        key: str,
        default: None = None,
        *,
        minimum: float | None = None,
        above: float | None = None,
        maximum: float | None = None,
    ) -> float | None: ...
    def real(
        self,
        key: str,
        default: float | None = None,
        *,
        minimum: float | None = None,
        above: float | None = None,
        maximum: float | None = None,
    ) -> float | None:
        """An optional number within the bounds (`above`: strictly greater than)."""
        value = self.data.get(key)
        if value is None:
            return default
        checked = self.number(self.at(key), value, minimum=minimum, above=above, maximum=maximum)
        return default if checked is None else checked

    def number(
        self,
        where: str,
        value: object,
        *,
        minimum: float | None = None,
        above: float | None = None,
        maximum: float | None = None,
    ) -> float | None:
        """`value` as a float if it is a number within the bounds; else a problem and None."""
        if isinstance(value, bool) or not isinstance(value, int | float):  # TOML's true is no 1
            self.problems.add(where, f"must be a number, not {show(value)}")
            return None
        number = float(value)
        if above is not None and not number > above:
            self.problems.add(where, f"must be greater than {above:g}, not {show(value)}")
            return None
        return number if self.bounded(where, number, value, minimum, maximum) else None

    def bounded(self, where: str, number: float, raw: object, minimum: float | None, maximum: float | None) -> bool:
        """Whether `number` is within the bounds; if not, a problem showing `raw` as written."""
        if minimum is not None and number < minimum:
            self.problems.add(where, f"must be at least {minimum:g}, not {show(raw)}")
            return False
        if maximum is not None and number > maximum:
            self.problems.add(where, f"must be at most {maximum:g}, not {show(raw)}")
            return False
        return True
