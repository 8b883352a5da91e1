"""Human text: `path:line:col: CODE message` (warnings: `CODE warning: message`), then a summary line."""

from __future__ import annotations

from promptgit.findings import Finding, Severity
from promptgit.validation.engine import Report


def line_of(item: Finding) -> str:
    severity = "warning: " if item.severity is Severity.WARNING else ""
    return f"{item.path}:{item.line}:{item.column}: {item.code} {severity}{item.message}"


def summary(report: Report) -> str:
    """`3 files checked: no problems` or `3 files checked: 2 errors, 1 warning in 1 file`."""
    checked = _count(report.files_checked, "file")
    if not report.findings:
        return f"{checked} checked: no problems"
    files = len({item.path for item in report.findings})
    counts = ", ".join(
        _count(number, word)
        for number, word in ((report.errors, "error"), (report.warnings, "warning"))
        if number
    )
    return f"{checked} checked: {counts} in {_count(files, 'file')}"


def render(report: Report) -> str:
    return "".join(f"{line_of(item)}\n" for item in report.findings) + summary(report) + "\n"


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"
