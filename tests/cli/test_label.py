"""`promptgit label unset`, and `label set` on the labels file `promptgit init` writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from promptgit.cli import main


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    def run(where: Path, *args: str) -> tuple[int, str, str]:
        monkeypatch.chdir(where)
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_label_unset(history: Any, cli: Any) -> None:
    labels = history.root / "prompts/labels.yaml"

    assert cli(history.root, "label", "unset", "staging", "content/hook") == (
        0,
        "staging: content/hook removed (was 2.0.0); commit prompts/labels.yaml to apply\n",
        "",
    )
    assert labels.read_text() == "# who runs what\nproduction:\n  content/hook: 1.1.0  # pinned\n"
    assert cli(history.root, "label", "unset", "staging", "content/hook") == (
        2,
        "",
        "promptgit: error: label unset: no label 'staging' in prompts/labels.yaml\n",
    )
    assert cli(history.root, "label", "unset", "production", "content/hok") == (
        2,
        "",
        "promptgit: error: label unset: production has no entry 'content/hok' in prompts/labels.yaml "
        "(it has: content/hook)\n",
    )
    assert cli(history.root, "validate", "--select", "versions")[0] == 0


def test_label_set_on_a_new_repository_keeps_the_header(prompt_repo: Any, cli: Any) -> None:
    root = prompt_repo.root
    assert cli(root, "init", "--no-git")[0] == 0
    labels = root / "prompts/labels.yaml"
    header = labels.read_text().removesuffix("{}\n")
    assert header.startswith("# yaml-language-server: $schema=")
    prompt_repo.commit("init")
    prompt_repo.tag_release("examples/summarize", "0.1.0")

    assert cli(root, "label", "set", "production", "examples/summarize@0.1.0")[0] == 0
    assert labels.read_text() == header + "production:\n  examples/summarize: 0.1.0\n"
    assert cli(root, "label", "unset", "production", "examples/summarize")[0] == 0
    assert labels.read_text() == header + "{}\n"
