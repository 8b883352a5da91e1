"""Issue 19.4: yanking a release, with PyPI's semantics. `prompts/yanked.yaml` (a reviewed commit, like a
promotion) names withdrawn releases: ranges and the bare name skip them, an exact pin (or a label) still
resolves, with a warning; `versions` and `show` say so."""

from __future__ import annotations

import logging
import subprocess
import sys
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from promptgit.errors import PromptNotFoundError
from promptgit.loader import Repository

YANKED = "# release -> why it was withdrawn\ncontent/hook:\n  2.0.0: leaks the system prompt\n"


def cli(root: Any, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "promptgit", *args], cwd=root, capture_output=True, text=True, check=False
    )


@pytest.fixture
def yanked(history: Any) -> Any:
    history.write("prompts/yanked.yaml", YANKED)
    history.commit("yank content/hook 2.0.0")
    return history


def test_the_loader_skips_a_yanked_release_except_for_exact_pins(yanked: Any, caplog: Any) -> None:
    caplog.set_level(logging.WARNING, logger="promptgit.loader")
    with Repository(yanked.root, registry=CollectorRegistry()) as repository:
        assert repository.get("content/hook").version == "1.1.0"  # highest skips it
        assert repository.get("content/hook@>=1").version == "1.1.0"
        with pytest.raises(PromptNotFoundError, match=r"no release matches.*2\.0\.0 is yanked"):
            repository.get("content/hook@^2")
        assert repository.get("content/hook@2.0.0").version == "2.0.0"  # an exact pin still resolves
        assert repository.get("content/hook@staging").version == "2.0.0"  # so does a label (a pin)
        repository.get("content/hook@2.0.0")
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert warnings == [
        "content/hook 2.0.0 is yanked (leaks the system prompt); served because content/hook@2.0.0 pins it",
        "content/hook 2.0.0 is yanked (leaks the system prompt); served because content/hook@staging pins it",
    ]  # once per selector, not per get()


def test_versions_and_show_say_a_release_is_yanked(yanked: Any) -> None:
    listed = cli(yanked.root, "versions", "content/hook")
    assert listed.returncode == 0, listed.stderr
    first = listed.stdout.splitlines()[0]
    assert first.startswith("2.0.0") and first.endswith("third release [yanked: leaks the system prompt]")
    shown = cli(yanked.root, "show", "content/hook")
    assert shown.stdout.splitlines()[0].startswith("# content/hook 1.1.0 (tag prompts/content/hook/v1.1.0")
    pinned = cli(yanked.root, "show", "content/hook@2.0.0")
    assert pinned.returncode == 0
    assert pinned.stdout.splitlines()[0].startswith("# content/hook 2.0.0 (tag prompts/content/hook/v2.0.0")
    assert pinned.stderr == (
        "promptgit: warning: content/hook 2.0.0 is yanked (leaks the system prompt); shown because "
        "content/hook@2.0.0 pins it\n"
    )


def test_a_malformed_yank_file_is_an_error_of_validate(yanked: Any) -> None:
    yanked.write("prompts/yanked.yaml", "content/hook: [2.0.0]\n")
    checked = cli(yanked.root, "validate")
    assert checked.returncode == 1
    assert (
        "prompts/yanked.yaml:1:1: PG203 yanked.yaml must map prompt -> {version: reason}, e.g. "
        "content/hook: {1.3.0: leaks the system prompt}"
    ) in checked.stdout, checked.stdout
