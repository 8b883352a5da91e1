"""A team's repository: a real consumer repository with a bare remote over file://, driven through git and
the promptgit CLI as separate processes (hooks run as git runs them)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import PromptRepo

Run = Callable[..., subprocess.CompletedProcess[str]]


class Team:
    """A clone with a bare `origin` over file://; `git(...)` and `promptgit(...)` run in the clone."""

    def __init__(self, repo: PromptRepo, remote: Path) -> None:
        self.repo = repo
        self.root = repo.root
        self.remote = remote

    def git(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True, check=False)
        return done

    def promptgit(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "promptgit", *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    def remote_refs(self) -> dict[str, str]:
        listed = subprocess.run(
            ["git", "for-each-ref", "--format=%(refname) %(objectname)"],
            cwd=self.remote,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        return dict(zip(listed[::2], listed[1::2], strict=True))


def out(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout + done.stderr


@pytest.fixture
def team(prompt_repo: PromptRepo, tmp_path: Path) -> Team:
    """prompt x 0.1.8 released and pushed (main and its tag) to a bare origin over file://; plain hooks in."""
    remote = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    made = Team(prompt_repo, remote)
    prompt_repo.write_prompt("x", "0.1.8")
    prompt_repo.commit("x 0.1.8")
    prompt_repo.tag_release("x", "0.1.8")
    prompt_repo.write("prompts/labels.yaml", "production:\n  x: 0.1.8\n")
    prompt_repo.commit("production -> x 0.1.8")
    assert made.git("remote", "add", "origin", f"file://{remote}").returncode == 0
    pushed = made.git("push", "-q", "origin", "main", "prompts/x/v0.1.8")
    assert pushed.returncode == 0, out(pushed)
    installed = made.promptgit("hooks", "install")
    assert installed.returncode == 0, out(installed)
    return made
