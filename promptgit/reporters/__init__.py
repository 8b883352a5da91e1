"""Reporters: a validation Report as text, JSON, GitHub workflow commands or SARIF. They only format.

May import validation and the shared modules (findings, errors, resources).
"""

from __future__ import annotations

from collections.abc import Callable

from promptgit.reporters import github, json_report, sarif, text
from promptgit.validation.engine import Report

Reporter = Callable[[Report], str]

REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "json": json_report.render,
    "github": github.render,
    "sarif": sarif.render,
}

__all__ = ["REPORTERS", "Reporter"]
