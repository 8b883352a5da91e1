"""JSON: `{"findings": [...], "summary": {...}}`, stable keys, one document."""

from __future__ import annotations

import json
from typing import Any

from promptgit.findings import Finding
from promptgit.validation.engine import Report


def as_dict(item: Finding) -> dict[str, Any]:
    return {
        "path": item.path,
        "line": item.line,
        "column": item.column,
        "code": item.code,
        "severity": item.severity.value,
        "message": item.message,
    }


def render(report: Report) -> str:
    document = {
        "findings": [as_dict(item) for item in report.findings],
        "summary": {
            "files_checked": report.files_checked,
            "errors": report.errors,
            "warnings": report.warnings,
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
