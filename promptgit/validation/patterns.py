"""PG603/PG604: input and output patterns that cannot be checked safely, or backtrack catastrophically."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from promptgit.findings import Finding
from promptgit.format import patterns
from promptgit.format.frontmatter import JsonPath
from promptgit.format.prompt import PromptDocument
from promptgit.validation.rules import finding


def pattern_problems(document: PromptDocument) -> Iterator[Finding]:
    """PG603 for each pattern RE2 cannot compile, PG604 for each with nested quantifiers or overlapping
    repeated alternatives (promptgit.format.patterns), at the line of the pattern in the front matter:
    in `inputs` (checked against callers' values) and in `output` (against the model's answers)."""
    for key in ("inputs", "output"):
        declared = document.metadata.get(key)
        if isinstance(declared, dict):
            yield from _problems(document, _patterns(declared, (key,)))


def _problems(document: PromptDocument, found: Iterator[tuple[JsonPath, str]]) -> Iterator[Finding]:
    for path, pattern in found:
        position = document.front.position(path)
        problem = patterns.problem(pattern)
        if problem is not None:
            yield finding(document.path, position, "PG603", problem)
            continue
        risk = patterns.backtracking_risk(pattern)
        if risk is not None:
            message = f"pattern {pattern!r} has {risk}: a backtracking regex engine takes exponential time"
            yield finding(document.path, position, "PG604", message)


def _patterns(node: Any, path: JsonPath) -> Iterator[tuple[JsonPath, str]]:
    """(path, pattern) for each `pattern` value and `patternProperties` key under `node`."""
    stack = [(node, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, dict):
            for key, value in current.items():
                child = (*where, key)
                if key == "pattern" and isinstance(value, str):
                    yield child, value
                elif key == "patternProperties" and isinstance(value, dict):
                    yield from (((*child, str(name)), str(name)) for name in value)
                stack.append((value, child))
        elif isinstance(current, list):
            stack.extend((item, (*where, index)) for index, item in enumerate(current))
