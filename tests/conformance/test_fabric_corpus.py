"""Real prompts written by others (fabric's patterns, MIT; read where they are, never copied) survive the
format: each pattern, wrapped as a chat prompt, validates clean and renders back to exactly its own text.

The corpus lives outside the repository; `.ci/run` sets PROMPTGIT_CORPUS_DIR. Without it these tests skip
and say so.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from promptgit.format.prompt import compile_document, parse_document
from promptgit.format.templating import make_environment
from promptgit.store.workspace import Workspace
from promptgit.validation import validate


def _patterns() -> list[Path]:
    corpus = os.environ.get("PROMPTGIT_CORPUS_DIR")
    if not corpus:
        return []
    return sorted((Path(corpus) / "fabric").rglob("system.md"))


PATTERNS = _patterns()
needs_corpus = pytest.mark.skipif(
    not PATTERNS, reason="PROMPTGIT_CORPUS_DIR is not set (.ci/run sets it): fabric corpus not checked"
)

FRONT = """---
version: 1.0.0
kind: pattern
description: fabric pattern {name}
model: gpt-4o
token_budget: 100000
inputs:
  input: {{type: string, description: The text the pattern works on}}
sample: {{input: "Git stores snapshots; every commit names its parent."}}
---
"""


def _wrapped(name: str, text: str) -> str:
    # raw keeps the pattern's own braces literal; the user's input is a declared variable
    return (
        FRONT.format(name=name)
        + '{% message "system" %}{% raw %}'
        + text
        + '{% endraw %}{% endmessage %}\n{% message "user" %}{{ input }}{% endmessage %}\n'
    )


def _normalized(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


@needs_corpus
def test_the_corpus_is_there_in_size() -> None:
    assert len(PATTERNS) > 100


@needs_corpus
def test_every_pattern_renders_back_to_its_own_text() -> None:
    environment = make_environment(lambda relative: None)
    mismatched = []
    for path in PATTERNS:
        text = path.read_text("utf-8")
        if "{% endraw %}" in text:
            continue  # cannot be wrapped in a raw block; none of fabric's patterns are like this today
        name = f"fabric/{path.parent.name}"
        document = parse_document(name, f"prompts/{name}.j2", _wrapped(path.parent.name, text))
        messages = compile_document(document, environment).render(input="the input")
        expected = [
            {"role": "system", "content": _normalized(text)},
            {"role": "user", "content": "the input"},
        ]
        if messages != expected:
            mismatched.append(name)
    assert mismatched == []


@needs_corpus
def test_the_wrapped_corpus_validates_clean(tmp_path: Path) -> None:
    for path in PATTERNS:
        text = path.read_text("utf-8")
        if "{% endraw %}" in text:
            continue
        target = tmp_path / "prompts" / "fabric" / f"{path.parent.name}.j2"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_wrapped(path.parent.name, text), "utf-8")

    findings = validate(Workspace.discover(tmp_path))  # every family; a plain directory has no versions

    assert [finding.format() for finding in findings] == []
