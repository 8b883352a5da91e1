"""Shared fixtures: real git repositories in temp dirs, built with GitPython."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import git
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


class PromptRepo:
    """A real git repository in a temp dir, with helpers to write prompts, commit and tag releases."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.git = git.Repo.init(root, initial_branch="main")
        with self.git.config_writer() as writer:
            writer.set_value("user", "name", "Test Author")
            writer.set_value("user", "email", "test@example.com")
            writer.set_value("commit", "gpgsign", "false")
            writer.set_value("tag", "gpgsign", "false")

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def write_prompt(
        self, name: str, version: str, body: str = "Hello {{ topic }}\n", **metadata: str
    ) -> Path:
        """prompts/<name>.j2 with a minimal valid front matter (kind, one string input `topic`)."""
        lines = [f"version: {version}", f"kind: {metadata.pop('kind', 'hook')}"]
        lines += [f"{key}: {value}" for key, value in metadata.items()]
        if "inputs" not in metadata:
            lines += ["inputs:", "  topic: {type: string}", "sample: {topic: sourdough}"]
        front = "\n".join(lines)
        return self.write(f"prompts/{name}.j2", f"---\n{front}\n---\n{textwrap.dedent(body)}")

    def commit(self, message: str = "change") -> str:
        self.git.git.add(A=True)
        self.git.index.commit(message)
        return self.git.head.commit.hexsha

    def tag_release(self, name: str, version: str, message: str | None = None) -> str:
        tag = f"prompts/{name}/v{version}"
        self.git.create_tag(tag, message=message or f"{name} {version}")
        return tag


@pytest.fixture
def prompt_repo(tmp_path: Path) -> PromptRepo:
    return PromptRepo(tmp_path / "repo")


@pytest.fixture
def in_dir(tmp_path: Path) -> Iterator[Path]:
    """Run the test with the current directory set to a fresh temp dir."""
    previous = Path.cwd()
    work = tmp_path / "work"
    work.mkdir()
    os.chdir(work)
    try:
        yield work
    finally:
        os.chdir(previous)


# A library with history: three releases of content/hook, a partial changed between them, labels.
HOOK_BODY = '{% message "system" %}{% include "partials/style.j2" %}{% endmessage %}\n'
HOOK_BODY += '{% message "user" %}Topic: {{ topic }}{% endmessage %}\n'


@pytest.fixture
def history(prompt_repo: PromptRepo) -> PromptRepo:
    """content/hook 1.0.0, 1.1.0, 2.0.0 released; the partial changes after each; labels point at 1.1.0."""
    repo = prompt_repo
    repo.write("prompts/partials/style.j2", "Style one.")
    repo.write_prompt("content/hook", "1.0.0", HOOK_BODY)
    repo.write_prompt("greeting", "0.1.0", "Hello {{ topic }}\n")
    repo.commit("hook 1.0.0")
    repo.tag_release("content/hook", "1.0.0", "first release")
    repo.tag_release("greeting", "0.1.0")
    repo.write("prompts/partials/style.j2", "Style two.")
    repo.write_prompt("content/hook", "1.1.0", HOOK_BODY + "\n")
    repo.commit("hook 1.1.0")
    repo.tag_release("content/hook", "1.1.0", "second release\n\nwith details")
    repo.write("prompts/partials/style.j2", "Style three.")
    repo.write_prompt("content/hook", "2.0.0", HOOK_BODY + "\n\n")
    repo.write(
        "prompts/labels.yaml",
        "# who runs what\nproduction:\n  content/hook: 1.1.0  # pinned\nstaging:\n  content/hook: 2.0.0\n",
    )
    repo.commit("hook 2.0.0")
    repo.tag_release("content/hook", "2.0.0", "third release")
    repo.write("prompts/partials/style.j2", "Style four.")
    repo.commit("partial after the last release")
    return repo


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One PRE_COMMIT_HOME per test session: pre-commit builds the hook environment of this repository's
    commit once (a pip install), and every consumer repository of the session reuses it."""
    return tmp_path_factory.mktemp("pre-commit-home")


# the OpenAI-compatible stand-in server (shipped as promptgit.testing) and a real openai client on it
@pytest.fixture
def stub() -> Iterator[Any]:
    from promptgit.testing import StandIn

    with StandIn() as server:
        yield server


@pytest.fixture
def client(stub: Any) -> Iterator[Any]:
    import openai

    with openai.OpenAI(base_url=stub.base_url, api_key="test-key", max_retries=0) as made:
        yield made
