"""GitHub Actions workflow commands: `::error file=...,line=...,col=...,title=CODE::message` per finding."""

from __future__ import annotations

from promptgit.findings import Finding, Severity
from promptgit.reporters.text import summary
from promptgit.validation.engine import Report


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(item: Finding) -> str:
    level = "warning" if item.severity is Severity.WARNING else "error"
    properties = ",".join(
        f"{key}={_escape_property(str(value))}"
        for key, value in (
            ("file", item.path),
            ("line", item.line),
            ("col", item.column),
            ("title", item.code),
        )
    )
    return f"::{level} {properties}::{_escape_data(item.message)}"


def render(report: Report) -> str:
    return "".join(f"{command(item)}\n" for item in report.findings) + summary(report) + "\n"
