"""PG601/PG602: secret-like strings in any file, sandbox-unsafe constructs in the Jinja AST; PG605/PG606:
message roles and included templates that an input decides."""

from __future__ import annotations

import re
from collections.abc import Iterator

from jinja2 import nodes
from jinja2.sandbox import (
    UNSAFE_ASYNC_GENERATOR_ATTRIBUTES,
    UNSAFE_COROUTINE_ATTRIBUTES,
    UNSAFE_FUNCTION_ATTRIBUTES,
    UNSAFE_GENERATOR_ATTRIBUTES,
    UNSAFE_METHOD_ATTRIBUTES,
)

from promptgit.findings import Finding
from promptgit.format.prompt import PromptDocument
from promptgit.format.templating import is_message_block
from promptgit.validation.rules import finding
from promptgit.validation.templates import TemplateFacts, column_of

# (what it is, pattern); each pattern is specific enough that prose never matches it
_SECRET_PATTERNS = (
    ("an OpenAI/Anthropic-style API key (sk-...)", r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}"),
    ("an AWS access key id (AKIA...)", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    ("a GitHub token (ghp_...)", r"\bgh[pousr]_[A-Za-z0-9]{36,}"),
    ("a GitHub token (github_pat_...)", r"\bgithub_pat_[A-Za-z0-9_]{22,}"),
    ("a Slack token (xox...)", r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    ("a Google API key (AIza...)", r"\bAIza[0-9A-Za-z_-]{35}"),
    ("a private key", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"),
)
# a literal that every pattern's match contains
_SECRET_MARKERS = (
    "sk-",
    "AKIA",
    "ASIA",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "xox",
    "AIza",
    "PRIVATE KEY",
)
_SECRETS = re.compile(
    "|".join(f"(?P<s{index}>{pattern})" for index, (_, pattern) in enumerate(_SECRET_PATTERNS))
)

# attributes the sandbox refuses, plus frame/traceback internals; any `_`-prefixed name is refused too
_UNSAFE_ATTRIBUTES = frozenset(
    {"mro", "tb_frame", "tb_next", "f_back", "f_globals", "f_locals", "f_builtins", "f_code", "func_globals"}
    | UNSAFE_FUNCTION_ATTRIBUTES
    | UNSAFE_METHOD_ATTRIBUTES
    | UNSAFE_GENERATOR_ATTRIBUTES
    | UNSAFE_COROUTINE_ATTRIBUTES
    | UNSAFE_ASYNC_GENERATOR_ATTRIBUTES
)
# `"{0.__class__}".format(x)`: attribute access hidden inside a format string
_FORMAT_FIELD_INTERNALS = re.compile(r"\{([^{}]*?[.\[]\s*_[^{}]*)\}")


def secrets(shown: str, text: str) -> Iterator[Finding]:
    """Every secret-like string, at its line and column; the secret itself is never echoed in full."""
    if not any(marker in text for marker in _SECRET_MARKERS):
        return  # substring tests are much faster than the regex, and almost every file has no secret
    for match in _SECRETS.finditer(text):
        kind = next(
            _SECRET_PATTERNS[int(group[1:])][0] for group, value in match.groupdict().items() if value
        )
        start = match.start()
        line = text.count("\n", 0, start) + 1
        column = start - (text.rfind("\n", 0, start) + 1) + 1
        shown_secret = match.group()[:6] + "…"
        message = f"{kind} in the file ({shown_secret}); remove it and rotate the secret"
        yield finding(shown, (line, column), "PG601", message)


def unsafe_constructs(shown: str, facts: TemplateFacts, source_lines: list[str]) -> Iterator[Finding]:
    """Attribute or item access to internals, found statically so it fails review, not production."""
    for node in facts.internal_access:
        name = _reached_internal(node)
        if name is not None:
            position = (node.lineno, column_of(source_lines, node.lineno, name))
            message = f"access to {name!r}: templates must not reach Python internals"
            yield finding(shown, position, "PG602", message)


def _is_internal(name: object) -> bool:
    return isinstance(name, str) and (name.startswith("_") or name in _UNSAFE_ATTRIBUTES)


def _reached_internal(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Getattr) and _is_internal(node.attr):
        return node.attr
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and _is_internal(node.arg.value):
        return str(node.arg.value)
    if isinstance(node, nodes.Filter) and node.name == "attr" and node.args:
        argument = node.args[0]
        if isinstance(argument, nodes.Const) and _is_internal(argument.value):
            return str(argument.value)
    if (
        isinstance(node, nodes.Call)
        and isinstance(node.node, nodes.Getattr)
        and node.node.attr in ("format", "format_map")
        and isinstance(node.node.node, nodes.Const)
        and isinstance(node.node.node.value, str)
    ):
        found = _FORMAT_FIELD_INTERNALS.search(node.node.node.value)
        if found:
            return found.group(1)
    return None


def input_chosen_structure(shown: str, document: PromptDocument, ast: nodes.Template) -> Iterator[Finding]:
    """PG605 for a message block whose role, PG606 for an include or import whose template name, is
    computed from an input that declares no `enum` (or `const`): the caller, not the template, would then
    decide that a message is `system`, or which partial (perhaps one with a system block) is rendered.

    Names are followed through `{% for %}` targets, `{% set %}` and `{% with %}`: `turn.role` over an
    input list `history` depends on `history`. An enum anywhere in the input's declaration (such as
    `items.properties.role.enum`) counts as the template author having chosen the values."""
    inputs = document.metadata.get("inputs")
    if not isinstance(inputs, dict):
        return
    unconstrained = {str(name) for name, spec in inputs.items() if not _has_enum(spec)}
    if not unconstrained:
        return
    derived = _derived_names(ast, set(map(str, inputs)))
    for block in ast.find_all(nodes.CallBlock):
        if is_message_block(block) and isinstance(block.call, nodes.Call) and block.call.args:
            chosen = sorted(_inputs_of(block.call.args[0], derived) & unconstrained)
            if chosen:
                message = (
                    f"the role of this message block depends on input {chosen[0]!r}, which declares no "
                    "enum: a caller can choose the role (system)"
                )
                yield finding(shown, (block.lineno, 4), "PG605", message)
    for include in ast.find_all((nodes.Include, nodes.Import, nodes.FromImport)):
        chosen = sorted(_inputs_of(include.template, derived) & unconstrained)  # type: ignore[attr-defined]
        if chosen:
            message = (
                f"the template included here depends on input {chosen[0]!r}, which declares no enum: a "
                "caller can choose which partial is rendered"
            )
            yield finding(shown, (include.lineno, 4), "PG606", message)


def _has_enum(spec: object) -> bool:
    stack = [spec]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "enum" in node or "const" in node:
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _derived_names(ast: nodes.Template, inputs: set[str]) -> dict[str, set[str]]:
    """For each name the template binds, the inputs its value is computed from (to a fixed point)."""
    bindings: list[tuple[nodes.Node, nodes.Node]] = []  # (target, value)
    for node in ast.find_all((nodes.For, nodes.Assign, nodes.With)):
        if isinstance(node, nodes.For):
            bindings.append((node.target, node.iter))
        elif isinstance(node, nodes.Assign):
            bindings.append((node.target, node.node))
        elif isinstance(node, nodes.With):
            bindings.extend(zip(node.targets, node.values, strict=False))
    derived: dict[str, set[str]] = {name: {name} for name in inputs}
    changed = True
    while changed:
        changed = False
        for target, value in bindings:
            sources = _inputs_of(value, derived)
            for name in target.find_all(nodes.Name) if not isinstance(target, nodes.Name) else [target]:
                known = derived.setdefault(name.name, set())
                if not sources <= known:
                    known |= sources
                    changed = True
    return derived


def _inputs_of(expression: nodes.Node, derived: dict[str, set[str]]) -> set[str]:
    names = [expression] if isinstance(expression, nodes.Name) else expression.find_all(nodes.Name)
    found: set[str] = set()
    for name in names:
        found |= derived.get(name.name, set())
    return found
