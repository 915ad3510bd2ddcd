"""What a contract run found: violations, plus what the run covered. Plain data, no Schemathesis."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["RunResult", "Violation", "redact"]

# Job ids, generation ids, keys: long alphanumeric tokens that differ between repeats of one finding.
_IDS = re.compile(r"[A-Za-z0-9_-]{12,}")


@dataclass(frozen=True)
class Violation:
    """One finding: which operation, which check, what the server answered, how to reproduce it."""

    operation: str
    check: str
    title: str
    message: str = ""
    status: int | None = None
    code: str = ""  # Schemathesis failure code (ST105, ...) when there is one
    curl: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        """Findings with the same key are one violation (seen again with other inputs or job ids)."""
        return (self.operation, self.check, _IDS.sub("<id>", self.message.strip()))


@dataclass
class RunResult:
    base_url: str
    violations: list[Violation] = field(default_factory=list)
    excused: list[tuple[Violation, str]] = field(default_factory=list)  # (finding, known-deviation reason)
    requests: int = 0
    statuses: dict[str, set[int]] = field(default_factory=dict)
    repeats: dict[tuple[str, str, str], int] = field(default_factory=dict)  # more findings like one violation

    @property
    def ok(self) -> bool:
        return not self.violations

    def add(self, violation: Violation) -> None:
        if any(existing.key == violation.key for existing in self.violations):
            self.repeats[violation.key] = self.repeats.get(violation.key, 0) + 1
        else:
            self.violations.append(violation)

    def excuse(self, violation: Violation, reason: str) -> None:
        if all(existing.key != violation.key for existing, _ in self.excused):
            self.excused.append((violation, reason))


def redact(text: str, secret: str) -> str:
    """`text` without `secret` (the API key never reaches a report)."""
    return text.replace(secret, "[API KEY]") if secret else text
