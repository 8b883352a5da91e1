"""The validator: every rule family (the version rules included), run over prompt files, yielding findings.

May import sources, format, store, tokens, config and the shared modules; never loader, llm or the CLI.
"""

from __future__ import annotations

from promptgit.validation.engine import Report, parse_select, run, validate
from promptgit.validation.rules import FAMILIES, RULES, Rule, rule_for

__all__ = ["FAMILIES", "RULES", "Report", "Rule", "parse_select", "rule_for", "run", "validate"]
