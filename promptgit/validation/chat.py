"""PG303/PG304/PG308: the structure of chat prompts, checked statically from the template's facts."""

from __future__ import annotations

from collections.abc import Iterator

from jinja2 import nodes

from promptgit.findings import Finding
from promptgit.format.templating import ROLES
from promptgit.validation.rules import finding
from promptgit.validation.templates import TemplateFacts, TemplateIndex


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


def captured_blocks(shown: str, facts: TemplateFacts) -> Iterator[Finding]:
    """Message blocks inside a macro, `{% set %}`, filter or call block: their output is a value, whose
    marker characters are escaped like any value's (docs/security.md), so they make no message."""
    for block in facts.captured_blocks:
        message = "message block inside a macro, set, filter or call block makes no message"
        yield finding(shown, (block.lineno, 1), "PG308", message)


def blocks_in_text_prompt(shown: str, facts: TemplateFacts, index: TemplateIndex) -> Iterator[Finding]:
    """A text prompt that includes (directly or not) a partial with message blocks: its render fails."""
    for reference in facts.references:
        for name in reference.names:
            with_blocks = _partial_with_blocks(index, name, frozenset())
            if with_blocks is not None:
                via = "" if with_blocks == name else f" (through {name})"
                message = f"text prompt includes {with_blocks}{via}, which has message blocks"
                yield finding(shown, (reference.line, 1), "PG308", message)
                break


def _partial_with_blocks(index: TemplateIndex, name: str, seen: frozenset[str]) -> str | None:
    facts = index.facts(name)
    if facts is None or name in seen:
        return None
    if facts.message_blocks:
        return name
    for reference in facts.references:
        for inner in reference.names:
            found = _partial_with_blocks(index, inner, seen | {name})
            if found is not None:
                return found
    return None


def _column(source_lines: list[str], line: int, text: str) -> int:
    if 1 <= line <= len(source_lines):
        index = source_lines[line - 1].find(text)
        if index >= 0:
            return index + 1
    return 1
