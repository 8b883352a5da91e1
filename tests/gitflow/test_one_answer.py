"""Issue 19.17: one answer per command: `schema` alone lists the schemas; `diff NAME` with nothing changed
says so; PG301 offers a "did you mean"."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli.helpers import promptgit


def test_schema_without_a_name_lists_them(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    result = promptgit(capsys, tmp_path, "schema")
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "prompt   the front matter of a prompt file\n"
        "config   promptgit.yaml\n"
        "labels   prompts/labels.yaml\n"
        "print one with: promptgit schema NAME (or --write DIR for all)\n"
    )


def test_diff_with_nothing_changed_says_so(history: Any, capsys: pytest.CaptureFixture[str]) -> None:
    result = promptgit(capsys, history.root, "diff", "greeting")
    assert (result.code, result.err) == (0, "")
    assert result.out == "greeting: the working tree is the same as greeting@0.1.0 (its highest release)\n"


def test_an_undeclared_variable_gets_a_did_you_mean(
    prompt_repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    prompt_repo.write_prompt("x", "1.0.0", "Hello {{ topc }}\n")
    result = promptgit(capsys, prompt_repo.root, "validate")
    assert (
        "prompts/x.j2:8:10: PG301 variable 'topc' is used but not declared in inputs (did you mean topic?)"
    ) in result.out, result.out
