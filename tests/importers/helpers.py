"""Shared by the importer tests: convert sources into a prompts directory, validate it, render a prompt."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from promptgit.findings import Finding, Severity
from promptgit.format.prompt import compile_document, parse_document
from promptgit.format.templating import Rendered, make_environment
from promptgit.importers import Conversion, convert
from promptgit.importers.writing import plan, write
from promptgit.store.workspace import Workspace
from promptgit.validation import validate


def write_sources(directory: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), "utf-8")
    return directory


def import_into(root: Path, source_format: str, sources: list[Path]) -> list[Conversion]:
    """Convert `sources` and write the files into root/prompts, as `promptgit import` does."""
    conversions = convert(source_format, sources)
    write(plan([c for c in conversions if not c.error], root / "prompts", force=False))
    return conversions


def errors(root: Path) -> list[Finding]:
    return [finding for finding in validate(Workspace.discover(root)) if finding.severity is Severity.ERROR]


def render(root: Path, name: str, inputs: dict[str, Any] | None = None) -> Rendered:
    """The working-tree prompt `name` rendered with `inputs` (its sample when None), partials included."""
    prompts = root / "prompts"

    def lookup(relative: str) -> str | None:
        path = prompts / relative
        return path.read_text("utf-8") if path.is_file() else None

    document = parse_document(name, f"prompts/{name}.j2", (prompts / f"{name}.j2").read_text("utf-8"))
    prompt = compile_document(document, make_environment(lookup))
    return prompt.render(**(prompt.sample if inputs is None else inputs))


def lines(text: str) -> list[str]:
    """A message's text as its non-blank lines, each stripped: what both renders must agree on.

    promptgit renders with trim_blocks and lstrip_blocks and strips each message; the source runtimes
    keep the blank lines around their tags. The words and line breaks of the content must be the same.
    """
    return [line.strip() for line in text.splitlines() if line.strip()]


def normalized(messages: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    return [(role, lines(content)) for role, content in messages if lines(content)]
