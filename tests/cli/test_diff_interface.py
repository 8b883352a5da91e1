"""`promptgit diff` lists interface changes above the text diff; `--changed` covers a pull request."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli.helpers import promptgit
from tests.conftest import HOOK_BODY

TWO_INPUTS = "\n  topic: {type: string}\n  tone: {type: string, enum: [calm, loud]}"


def test_diff_names_interface_changes_first(history: Any, capsys: pytest.CaptureFixture[str]) -> None:
    history.write_prompt("greeting", "1.0.0", '{% message "user" %}{{ topic }}{% endmessage %}\n')
    result = promptgit(capsys, history.root, "diff", "greeting")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == "# breaking: turned into a chat prompt (messages)"
    assert lines[1].startswith("--- greeting@0.1.0 (tag prompts/greeting/v0.1.0")


def test_diff_changed_since_the_base_as_text(history: Any, capsys: pytest.CaptureFixture[str]) -> None:
    history.write_prompt(
        "content/hook", "2.1.0", HOOK_BODY, inputs=TWO_INPUTS, sample="{topic: x, tone: calm}"
    )
    history.write_prompt("brand/new", "0.1.0")
    (history.root / "prompts/greeting.j2").unlink()
    result = promptgit(capsys, history.root, "diff", "--changed", "--base", "HEAD", "-U", "0")
    assert (result.code, result.err) == (0, "")
    assert [line for line in result.out.splitlines() if not line.startswith(("+", "-", "@", " "))] == [
        "brand/new 0.1.0 (new) (prompts/brand/new.j2)",
        "content/hook 2.0.0 -> 2.1.0 (prompts/content/hook.j2)",
        "# breaking: input 'tone' added as required (no default)",
        "# since its release 2.0.0: needs 3.0.0 (not covered by 2.1.0)",
        "greeting 0.1.0 removed (prompts/greeting.j2)",
    ]
    assert "+++ /dev/null" in result.out and "--- /dev/null" in result.out


def test_diff_changed_as_markdown(history: Any, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = "\n  topic: {type: string}\n  tone: {type: string, default: calm}"
    history.write_prompt("content/hook", "2.1.0", HOOK_BODY, inputs=inputs, sample="{topic: x}")
    result = promptgit(capsys, history.root, "diff", "--changed", "--base", "HEAD", "--format", "markdown")
    assert result.code == 0
    head = result.out.split("```diff")[0]
    assert head == (
        "## Prompt changes since HEAD\n\n"
        "### content/hook 2.0.0 -> 2.1.0\n\n"
        "- **additive**: input 'tone' added as optional\n"
        "- since its release 2.0.0: needs 2.1.0 (covered)\n\n"
        "<details><summary>text diff</summary>\n\n"
    )
    assert result.out.rstrip().endswith("```\n\n</details>")


def test_diff_changed_with_nothing_changed(history: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert promptgit(capsys, history.root, "diff", "--changed", "--base", "HEAD").out == (
        "no prompt changed since HEAD\n"
    )
    assert promptgit(capsys, history.root, "diff").code == 2
