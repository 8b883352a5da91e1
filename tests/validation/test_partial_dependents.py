"""Given a changed partial (as pre-commit passes it), the prompts that include it are checked too."""

from __future__ import annotations

from pathlib import Path

from promptgit.store.workspace import Workspace
from promptgit.validation import run

from .helpers import OWN_FAMILIES, lines

HOOK = """---
version: 1.0.0
kind: hook
inputs:
  topic: {type: string}
sample: {topic: sourdough}
---
{% include "partials/outer.j2" %} {{ topic }}
"""


def _library(tmp_path: Path, inner: str) -> Workspace:
    files = {
        "prompts/content/hook.j2": HOOK,
        "prompts/content/other.j2": HOOK.replace('{% include "partials/outer.j2" %} ', ""),
        "prompts/partials/outer.j2": 'Rules: {% include "partials/inner.j2" %}',
        "prompts/partials/inner.j2": inner,
    }
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return Workspace.discover(tmp_path)


def test_a_partial_given_alone_checks_the_prompts_that_include_it(tmp_path: Path) -> None:
    workspace = _library(tmp_path, inner="be brief about {{ audience }}")
    inner = tmp_path / "prompts/partials/inner.j2"

    report = run(workspace, [inner], select=OWN_FAMILIES)

    assert lines(report.findings) == [
        "prompts/content/hook.j2:8:13: PG301 variable 'audience' is used by partials/inner.j2 "
        "but not declared in inputs"
    ]
    # the whole library is checked: the two prompts and the partial that was given
    assert report.files_checked == 3


def test_a_prompt_given_alone_checks_only_that_prompt(tmp_path: Path) -> None:
    workspace = _library(tmp_path, inner="be brief")

    report = run(workspace, [tmp_path / "prompts/content/other.j2"], select=OWN_FAMILIES)

    assert (report.findings, report.files_checked) == ([], 1)
