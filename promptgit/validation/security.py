"""PG601/PG602: secret-like strings in any file, sandbox-unsafe constructs in the Jinja AST."""

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
