"""SARIF 2.1.0 for code scanning: one run, the rule table as tool rules, one result per finding."""

from __future__ import annotations

import json
from typing import Any

from promptgit import __version__
from promptgit.findings import Finding, Severity
from promptgit.validation.engine import Report
from promptgit.validation.rules import RULES, Rule, rule_for

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.summary},
        "help": {"text": rule.help, "markdown": f"**{rule.code}** {rule.summary}\n\n{rule.help}"},
        "defaultConfiguration": {"level": "warning" if rule.severity is Severity.WARNING else "error"},
        "properties": {"family": rule.family},
    }


def _result(item: Finding, rule_index: int) -> dict[str, Any]:
    return {
        "ruleId": item.code,
        "ruleIndex": rule_index,
        "level": "warning" if item.severity is Severity.WARNING else "error",
        "message": {"text": item.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": item.path, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": max(item.line, 1), "startColumn": max(item.column, 1)},
                }
            }
        ],
    }


def render(report: Report) -> str:
    codes = list(RULES) + sorted({item.code for item in report.findings} - set(RULES))
    index = {code: position for position, code in enumerate(codes)}
    document = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "promptgit",
                        "version": __version__,
                        "rules": [_rule(rule_for(code)) for code in codes],
                    }
                },
                "results": [_result(item, index[item.code]) for item in report.findings],
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
