"""PG309: a prompt opted in to Langfuse's API shape (`serve: {langfuse: true}`) that Langfuse cannot compile.

`promptgit serve` answers Langfuse's public prompt API so Langfuse's SDKs in any language read promptgit
prompts; their `compile()` only substitutes `{{ name }}` (no filters, conditions, loops, expressions).
A prompt is served in that shape when its body, with includes inlined, is plain text and `{{ name }}`
outputs, and (for a chat prompt) message blocks with a constant role at the top level. This module says
where (file:line) and why one is not; the server asks the same question before it serves one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from jinja2 import TemplateError, nodes

from promptgit.findings import Finding
from promptgit.format.templating import is_message_block
from promptgit.validation.rules import finding

_TAGS = {
    "If": "{% if %}",
    "For": "{% for %}",
    "Assign": "{% set %}",
    "AssignBlock": "{% set %}",
    "Macro": "{% macro %}",
    "CallBlock": "{% call %}",
    "FilterBlock": "{% filter %}",
    "With": "{% with %}",
    "Import": "{% import %}",
    "FromImport": "{% from ... import %}",
    "Extends": "{% extends %}",
    "Block": "{% block %}",
    "Scope": "a scoped block",
    "ExprStmt": "{% do %}",
}
MAX_INCLUDE_DEPTH = 16


def opted_in(metadata: Mapping[str, Any]) -> bool:
    """Whether the front matter says `serve: {langfuse: true}`."""
    serve = metadata.get("serve")
    return isinstance(serve, dict) and serve.get("langfuse") is True


def blockers(ast: nodes.Template, environment: Any) -> list[tuple[int, str]]:
    """(line, why) of each construct Langfuse's `{{ name }}` substitution cannot reproduce; [] when the
    prompt can be served in Langfuse's shape. Includes with a constant name are followed (their partials
    read through `environment`'s loader) and reported at the include's line."""
    chat = any(is_message_block(node) for node in ast.find_all(nodes.CallBlock))
    return list(_walk(ast.body, environment, chat=chat, in_message=False, via=None, depth=0))


def _walk(
    body: list[nodes.Node],
    environment: Any,
    *,
    chat: bool,
    in_message: bool,
    via: tuple[int, str] | None,
    depth: int,
) -> Iterator[tuple[int, str]]:
    for node in body:
        line = via[0] if via is not None else node.lineno
        where = f" (in {via[1]} line {node.lineno})" if via is not None else ""
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if isinstance(child, nodes.TemplateData):
                    if "{{" in child.data:
                        yield line, f"literal '{{{{' would be read by Langfuse as a variable{where}"
                elif not isinstance(child, nodes.Name):
                    kind = type(child).__name__.lower()
                    yield (
                        line,
                        f"`{{{{ }}}}` holds an expression ({kind}), not a plain name{where}",
                    )
        elif isinstance(node, nodes.CallBlock) and is_message_block(node):
            call = node.call
            role = call.args[0] if isinstance(call, nodes.Call) and call.args else None
            if in_message:
                yield line, f"message block inside a message block{where}"
            elif not isinstance(role, nodes.Const):
                yield line, f"message block with a computed role{where}"
            else:
                yield from _walk(node.body, environment, chat=chat, in_message=True, via=via, depth=depth)
        elif isinstance(node, nodes.Include):
            yield from _included(node, environment, chat=chat, in_message=in_message, via=via, depth=depth)
        else:
            tag = _TAGS.get(type(node).__name__, type(node).__name__)
            yield line, f"`{tag}`: Langfuse's compile only substitutes {{{{ name }}}}{where}"


def _included(
    node: nodes.Include,
    environment: Any,
    *,
    chat: bool,
    in_message: bool,
    via: tuple[int, str] | None,
    depth: int,
) -> Iterator[tuple[int, str]]:
    line = via[0] if via is not None else node.lineno
    template = node.template
    if not isinstance(template, nodes.Const) or not isinstance(template.value, str):
        yield line, "`{% include %}` of a computed name cannot be inlined"
        return
    if depth >= MAX_INCLUDE_DEPTH:
        yield line, f"includes nested deeper than {MAX_INCLUDE_DEPTH}"
        return
    try:
        source = environment.loader.get_source(environment, template.value)[0]
        parsed = environment.parse(source)
    except TemplateError:
        return  # a missing or broken partial is reported by its own rule
    inner_via = via if via is not None else (line, template.value)
    yield from _walk(
        parsed.body, environment, chat=chat, in_message=in_message, via=inner_via, depth=depth + 1
    )


def langfuse_findings(
    shown: str, metadata: Mapping[str, Any], ast: nodes.Template, environment: Any
) -> list[Finding]:
    """PG309 for each blocker of a prompt that opted in; nothing for one that did not."""
    if not opted_in(metadata):
        return []
    return [
        finding(shown, (line, 1), "PG309", f"serve: {{langfuse: true}} but Langfuse cannot compile it: {why}")
        for line, why in blockers(ast, environment)
    ]
