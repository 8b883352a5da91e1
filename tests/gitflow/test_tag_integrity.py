"""Issue 21.16: a release tag is served only as what it says. A tag on a commit whose file has another
version is refused; `label set` refuses a tag that points at a tree; a force-moved tag is detected by a
process that saw it before (docs/versions.md says what a new process can and cannot know)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from promptgit.errors import GitError, PromptNotFoundError
from promptgit.loader import Repository


def git(repo: Any, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo.root, capture_output=True, text=True, check=False)


def cli(repo: Any, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "promptgit", *args], cwd=repo.root, capture_output=True, text=True, check=False
    )


@pytest.fixture
def tagged(prompt_repo: Any) -> Any:
    prompt_repo.write_prompt("x", "1.0.0", "One {{ topic }}\n")
    prompt_repo.commit("x 1.0.0")
    prompt_repo.tag_release("x", "1.0.0")
    prompt_repo.write_prompt("x", "1.1.0", "Two {{ topic }}\n")
    prompt_repo.commit("x 1.1.0")
    return prompt_repo


def test_a_tag_on_a_file_of_another_version_is_not_served(tagged: Any) -> None:
    tagged.tag_release("x", "1.2.0")  # by hand, on a commit whose file says 1.1.0
    with (
        Repository(tagged.root, registry=CollectorRegistry()) as repository,
        pytest.raises(PromptNotFoundError) as raised,
    ):
        repository.get("x@1.2.0")
    assert str(raised.value) == (
        "x@1.2.0: tag prompts/x/v1.2.0 points at a commit whose prompts/x.j2 says version 1.1.0; "
        "not served as 1.2.0 (a release's file carries its version)"
    )
    shown = cli(tagged, "show", "x@1.2.0")
    assert shown.returncode == 2
    assert "says version 1.1.0; not served as 1.2.0" in shown.stderr


def test_label_set_refuses_a_tag_that_points_at_a_tree(tagged: Any) -> None:
    assert git(tagged, "tag", "-a", "-m", "a tree", "prompts/x/v1.1.0", "HEAD^{tree}").returncode == 0
    refused = cli(tagged, "label", "set", "staging", "x@1.1.0")
    assert refused.returncode == 2
    assert refused.stderr == (
        "promptgit: error: label set: tag prompts/x/v1.1.0 does not point at a commit; "
        "it is not a release (promptgit release x makes one)\n"
    )
    assert not (tagged.root / "prompts/labels.yaml").exists()


def test_a_force_moved_tag_is_detected_by_a_process_that_saw_it(tagged: Any) -> None:
    with Repository(tagged.root, registry=CollectorRegistry(), cache_ttl=0) as repository:
        assert repository.get("x@1.0.0").render(topic="t") == "One t"
        tagged.write_prompt("x", "1.0.0", "Rewritten {{ topic }}\n")
        tagged.commit("x 1.0.0 rewritten")
        assert git(tagged, "tag", "-f", "-a", "-m", "moved", "prompts/x/v1.0.0").returncode == 0
        repository.refresh()
        assert repository.get("x@1.0.0").render(topic="t") == "One t"  # exact releases stay as first seen
        with pytest.raises(GitError) as raised:
            repository.get("x@~1.0")  # a new resolution meets the moved tag
        assert str(raised.value).startswith(
            "x@1.0.0: tag prompts/x/v1.0.0 was moved: it pointed at "
        ) and str(raised.value).endswith("releases are immutable; release a new version instead")
