"""A contract run, for people (a text report) and for CI (JUnit XML)."""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

from ..suites.document import ALL_OPERATIONS
from .violations import RunResult, Violation

__all__ = ["text_report", "write_junit"]


def _describe(violation: Violation, repeats: int = 0) -> list[str]:
    code = f" ({violation.code})" if violation.code else ""
    status = f" · answered {violation.status}" if violation.status is not None else ""
    again = f" (and {repeats} more like it)" if repeats else ""
    lines = [f"FAIL  {violation.operation} · {violation.check}{code}{status}{again}", f"      {violation.title}"]
    if violation.message:
        lines += textwrap.indent(violation.message.strip(), "      ").splitlines()
    if violation.curl:
        lines.append("      Reproduce with:")
        lines += [f"        {line}" for line in violation.curl.strip().splitlines() if line.strip()]
    return lines


def text_report(result: RunResult, *, seed: int) -> str:
    lines = [f"modelgates contract run against {result.base_url} (seed {seed}): {result.requests} requests", ""]
    for operation in ALL_OPERATIONS:
        seen = sorted(result.statuses.get(operation, set()))
        lines.append(f"  {operation:<30} answered {', '.join(map(str, seen)) or 'nothing'}")
    lines.append("")
    for violation in result.violations:
        lines += [*_describe(violation, result.repeats.get(violation.key, 0)), ""]
    for violation, reason in result.excused:
        lines.append(f"known deviation (not counted): {violation.operation} · {violation.check}: {reason}")
    if result.excused:
        lines.append("")
    if result.ok:
        lines.append("OK: no contract violations.")
    else:
        operations = len({violation.operation for violation in result.violations})
        lines.append(f"FAILED: {len(result.violations)} contract violation(s) in {operations} operation(s).")
    return "\n".join(lines) + "\n"


def write_junit(result: RunResult, path: Path) -> None:
    """One test case per operation (plus `(run)` when the run itself failed), failures inside."""
    groups: dict[str, list[Violation]] = {operation: [] for operation in ALL_OPERATIONS}
    for violation in result.violations:
        groups.setdefault(violation.operation, []).append(violation)
    root = ET.Element("testsuites")
    suite = ET.SubElement(
        root,
        "testsuite",
        name="modelgates-contract",
        tests=str(len(groups)),
        failures=str(sum(1 for found in groups.values() if found)),
        errors="0",
    )
    for operation, found in groups.items():
        case = ET.SubElement(suite, "testcase", classname="modelgates.contract", name=operation)
        for violation in found:
            failure = ET.SubElement(case, "failure", type=violation.check, message=violation.title)
            failure.text = "\n".join(_describe(violation))
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
