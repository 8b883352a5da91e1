"""A full validate parses each prompt file once: the version rules reuse what the file rules parsed."""

from __future__ import annotations

from typing import Any

import pytest

import promptgit.format.prompt as prompt_module
from promptgit.store.workspace import Workspace
from promptgit.validation import validate


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The path of every front matter split (one per parse of a prompt file)."""
    seen: list[str] = []
    real = prompt_module.split

    def counted(path: str, text: str) -> Any:
        seen.append(path)
        return real(path, text)

    monkeypatch.setattr(prompt_module, "split", counted)
    return seen


def _released_library(repo: Any) -> None:
    for name in ("a", "b", "c"):
        repo.write_prompt(name, "1.0.0", "Hello {{ topic }}\n")
    repo.commit("three prompts")
    for name in ("a", "b", "c"):
        repo.tag_release(name, "1.0.0")


def test_each_prompt_is_parsed_once(prompt_repo: Any, parses: list[str]) -> None:
    _released_library(prompt_repo)
    prompt_repo.write_prompt("b", "1.1.0", "Hello {{ topic }}!\n")  # changed: judged against its release
    findings = validate(Workspace.discover(prompt_repo.root), base="HEAD")
    assert [item.code for item in findings if item.code.startswith("PG5")] == []
    now = [path for path in parses if path.startswith("prompts/")]
    # a, b and c once each; b's release once more, to compare its interface with the change
    assert sorted(now) == ["prompts/a.j2", "prompts/b.j2", "prompts/b.j2", "prompts/c.j2"]


def test_a_file_changed_between_the_two_passes_is_parsed_again(prompt_repo: Any, parses: list[str]) -> None:
    from promptgit.validation.version_checks import check_versions

    _released_library(prompt_repo)
    workspace = Workspace.discover(prompt_repo.root)
    document = prompt_module.parse_document("a", "prompts/a.j2", "---\nversion: 9.9.9\n---\nstale\n")
    parses.clear()
    findings = list(check_versions(workspace, "HEAD", parsed={"a": ("stale text", document)}))
    assert findings == []  # the stale 9.9.9 was not believed: the file says 1.0.0, as released
    assert sorted(parses) == ["prompts/a.j2", "prompts/b.j2", "prompts/c.j2"]
