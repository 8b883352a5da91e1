"""PG303/PG304: the structure of chat prompts, checked statically in the Jinja AST."""

from __future__ import annotations

from collections.abc import Iterator

from jinja2 import nodes

from promptgit.findings import Finding
from promptgit.templating import ROLES, message_blocks
from promptgit.validation.rules import finding


def stray_text(shown: str, ast: nodes.Template) -> Iterator[Finding]:
    """Literal text outside every message block of a chat template (whitespace is allowed)."""
    for line, text in _outside_messages(ast):
        snippet = text.strip().splitlines()[0][:60]
        yield finding(
            shown, (line, 1), "PG303", f"text outside a message block in a chat prompt: {snippet!r}"
        )


def unknown_roles(shown: str, ast: nodes.Template, source_lines: list[str]) -> Iterator[Finding]:
    """Message blocks whose role is a constant that is not a chat role (dynamic roles: checked at render)."""
    for block in message_blocks(ast):
        call = block.call
        role = call.args[0] if isinstance(call, nodes.Call) and call.args else None
        if isinstance(role, nodes.Const) and role.value not in ROLES:
            line = block.lineno
            column = _column(source_lines, line, repr(role.value)[1:-1])
            expected = ", ".join(sorted(ROLES))
            yield finding(
                shown,
                (line, column),
                "PG304",
                f"unknown message role {role.value!r}; expected one of {expected}",
            )


def _outside_messages(node: nodes.Node) -> Iterator[tuple[int, str]]:
    for child in node.iter_child_nodes():
        if isinstance(child, nodes.CallBlock) and _is_message_block(child):
            continue
        if isinstance(child, nodes.Macro):
            continue  # a macro's output appears where it is called; that is checked at render time
        if isinstance(child, nodes.Output):
            for item in child.nodes:
                if isinstance(item, nodes.TemplateData) and item.data.strip():
                    leading = item.data[: len(item.data) - len(item.data.lstrip())]
                    yield item.lineno + leading.count("\n"), item.data
            continue
        yield from _outside_messages(child)


def _is_message_block(block: nodes.CallBlock) -> bool:
    # message_blocks() searches a template; wrapping the one block reuses its test
    return block in message_blocks(nodes.Template([block]))


def _column(source_lines: list[str], line: int, text: str) -> int:
    if 1 <= line <= len(source_lines):
        index = source_lines[line - 1].find(text)
        if index >= 0:
            return index + 1
    return 1
