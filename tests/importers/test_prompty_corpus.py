"""The Prompty corpus (Microsoft's .prompty files at HEAD and in history; read where they are, never
copied): converted, at least 90% of the parsed files validate with no error, and where Prompty's own
runtime renders a file, promptgit's render of the conversion says the same, unless a loss was reported.

The corpus lives outside the repository; `.ci/run` sets PROMPTGIT_CORPUS_DIR. Without it these tests skip
and say so.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from promptgit.format.prompt import parse_document
from promptgit.importers import Conversion

from .helpers import errors, import_into, normalized, render

CORPUS = os.environ.get("PROMPTGIT_CORPUS_DIR")
DIRECTORIES = [Path(CORPUS) / "prompty", Path(CORPUS) / "prompty-history"] if CORPUS else []
needs_corpus = pytest.mark.skipif(
    not CORPUS, reason="PROMPTGIT_CORPUS_DIR is not set (.ci/run sets it): Prompty corpus not converted"
)
REQUIRED_CLEAN_SHARE = 0.90


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Conversion], set[str]]:
    root = tmp_path_factory.mktemp("prompty-corpus")
    conversions = import_into(root, "prompty", DIRECTORIES)
    with_errors = {finding.path for finding in errors(root)}
    return root, conversions, with_errors


@needs_corpus
def test_at_least_90_percent_of_the_parsed_files_validate_clean(
    converted: tuple[Path, list[Conversion], set[str]],
) -> None:
    _, conversions, with_errors = converted
    parsed = [conversion for conversion in conversions if not conversion.error]
    clean = [conversion for conversion in parsed if f"prompts/{conversion.name}.j2" not in with_errors]
    share = len(clean) / len(parsed)
    print(
        f"\nPrompty corpus: {len(conversions)} files, {len(parsed)} parsed, {len(clean)} clean ({share:.1%})"
    )

    assert len(conversions) > 200
    # the one file the corpus makes invalid on purpose (unclosed YAML list) is the one that fails to parse
    assert [Path(c.source).name for c in conversions if c.error] == ["invalid-yaml.prompty"]
    assert share >= REQUIRED_CLEAN_SHARE


@needs_corpus
def test_renders_agree_with_the_prompty_runtime(
    converted: tuple[Path, list[Conversion], set[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    prompty = pytest.importorskip("prompty", reason="prompty (the `test` extra) needs Python 3.11+")
    root, conversions, with_errors = converted
    compared, different = 0, []
    for conversion in conversions:
        path = f"prompts/{conversion.name}.j2"
        if conversion.error or path in with_errors:
            continue
        source = Path(conversion.source).read_text("utf-8")
        for variable in re.findall(r"\$\{env:([A-Za-z_0-9]+)", source):
            monkeypatch.setenv(variable, "https://example.openai.azure.com")
        try:
            agent = prompty.load(conversion.source)
        except Exception:  # v1 files, `${file:}` references: Prompty 2 itself refuses them
            continue
        if agent.template is not None and agent.template.format.kind == "nunjucks":
            agent.template.format.kind = "jinja2"  # the Python runtime has no Nunjucks; same syntax here
        sample = parse_document(conversion.name or "", path, (root / path).read_text("utf-8")).sample
        try:
            theirs = prompty.prepare(agent, dict(sample))
        except Exception:
            continue
        ours = render(root, conversion.name or "")
        compared += 1
        if _messages(ours) != normalized(
            [(m.role, "".join(getattr(p, "value", "") for p in m.parts)) for m in theirs]
        ):
            different.append(conversion)
    print(f"\nPrompty runtime renders compared: {compared}, different: {len(different)}")

    assert compared >= 90
    assert [c.source for c in different if not c.losses] == []


def _messages(rendered: Any) -> list[tuple[str, list[str]]]:
    if isinstance(rendered, str):
        return normalized([("system", rendered)])
    return normalized([(message["role"], message["content"]) for message in rendered])
