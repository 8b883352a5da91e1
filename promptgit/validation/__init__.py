"""The validator: rules with stable codes, run over prompt files, yielding findings (never printing)."""

from __future__ import annotations

from promptgit.validation.engine import Report, parse_select, run, validate
from promptgit.validation.rules import FAMILIES, RULES, Rule, rule_for

__all__ = ["FAMILIES", "RULES", "Report", "Rule", "parse_select", "rule_for", "run", "validate"]
