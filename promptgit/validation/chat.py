"""PG303/PG304: the structure of chat prompts, checked statically from the template's facts."""

from __future__ import annotations

from collections.abc import Iterator

from jinja2 import nodes

from promptgit.findings import Finding
from promptgit.format.templating import ROLES
from promptgit.validation.rules import finding
from promptgit.validation.templates import TemplateFacts


def stray_text(shown: str, facts: TemplateFacts) -> Iterator[Finding]:
    """Literal text outside every message block of a chat template (whitespace is allowed)."""
    for line, text in sorted(facts.stray_text):
        snippet = text.strip().splitlines()[0][:60]
        yield finding(
            shown, (line, 1), "PG303", f"text outside a message block in a chat prompt: {snippet!r}"
        )


def unknown_roles(shown: str, facts: TemplateFacts, source_lines: list[str]) -> Iterator[Finding]:
    """Message blocks whose role is a constant that is not a chat role (dynamic roles: checked at render)."""
    expected = ", ".join(sorted(ROLES))
    for block in facts.message_blocks:
        call = block.call
        role = call.args[0] if isinstance(call, nodes.Call) and call.args else None
        if isinstance(role, nodes.Const) and role.value not in ROLES:
            line = block.lineno
            column = _column(source_lines, line, str(role.value))
            yield finding(
                shown,
                (line, column),
                "PG304",
                f"unknown message role {role.value!r}; expected one of {expected}",
            )


def _column(source_lines: list[str], line: int, text: str) -> int:
    if 1 <= line <= len(source_lines):
        index = source_lines[line - 1].find(text)
        if index >= 0:
            return index + 1
    return 1
