from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from promptgit.cli import main
from promptgit.commands.hooks import HOOKS, script

REPO_ROOT = Path(__file__).resolve().parents[2]


def git(repo: Any, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo.root, capture_output=True, text=True)


@pytest.mark.parametrize("hook", HOOKS)
def test_shipped_hook_files_are_what_install_writes(hook: str) -> None:
    path = REPO_ROOT / "hooks" / hook
    assert path.read_text() == script(hook)
    assert os.access(path, os.X_OK)


def test_install_is_idempotent_and_never_clobbers(history: Any, monkeypatch: Any, capsys: Any) -> None:
    monkeypatch.chdir(history.root)
    hooks = history.root / ".git" / "hooks"
    (hooks / "pre-push").write_text("#!/bin/sh\necho mine\n")
    assert main(["hooks", "install"]) == 1
    assert capsys.readouterr().out == (
        f"pre-commit: installed {hooks / 'pre-commit'}\n"
        f"pre-push: left alone, {hooks / 'pre-push'} exists and is not promptgit's; "
        "add this line to it: promptgit hooks run pre-push\n"
    )
    assert (hooks / "pre-push").read_text() == "#!/bin/sh\necho mine\n"
    (hooks / "pre-push").unlink()
    assert main(["hooks", "install"]) == 0
    assert capsys.readouterr().out == (
        f"pre-commit: already installed ({hooks / 'pre-commit'})\npre-push: installed {hooks / 'pre-push'}\n"
    )
    assert os.access(hooks / "pre-push", os.X_OK)


def test_install_respects_core_hooks_path(history: Any, monkeypatch: Any, capsys: Any) -> None:
    git(history, "config", "core.hooksPath", "custom-hooks")
    monkeypatch.chdir(history.root)
    assert main(["hooks", "install"]) == 0
    assert (history.root / "custom-hooks" / "pre-commit").read_text() == script("pre-commit")


def test_pre_commit_hook_refuses_a_bad_commit_and_accepts_a_good_one(history: Any, monkeypatch: Any) -> None:
    monkeypatch.chdir(history.root)
    assert main(["hooks", "install"]) == 0
    history.write_prompt("greeting", "0.1.0", "Changed {{ topic }}\n")  # released 0.1.0 changed: PG503
    git(history, "add", "prompts/greeting.j2")
    refused = git(history, "commit", "-m", "change without bump")
    assert refused.returncode != 0
    assert (
        "prompts/greeting.j2:2:1: PG503 greeting 0.1.0 is already released" in refused.stdout + refused.stderr
    )
    history.write_prompt("greeting", "0.2.0", "Changed {{ topic }}\n")
    git(history, "add", "prompts/greeting.j2")
    accepted = git(history, "commit", "-m", "change with bump")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr


def test_pre_commit_hook_ignores_commits_without_prompts(history: Any, monkeypatch: Any) -> None:
    monkeypatch.chdir(history.root)
    main(["hooks", "install"])
    history.write("README.md", "hello\n")
    git(history, "add", "README.md")
    assert git(history, "commit", "-m", "docs").returncode == 0


def test_pre_push_refuses_moving_or_deleting_a_release_tag(
    history: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    git(history, "remote", "add", "origin", str(remote))
    assert git(history, "push", "-q", "origin", "main", "--tags").returncode == 0
    monkeypatch.chdir(history.root)
    main(["hooks", "install"])
    git(history, "tag", "-f", "-a", "-m", "moved", "prompts/greeting/v0.1.0", "HEAD")
    moved = git(history, "push", "--force", "origin", "prompts/greeting/v0.1.0")
    assert moved.returncode != 0
    assert "refusing to move release tag prompts/greeting/v0.1.0" in moved.stderr
    deleted = git(history, "push", "origin", ":refs/tags/prompts/content/hook/v1.0.0")
    assert deleted.returncode != 0
    assert "refusing to delete release tag prompts/content/hook/v1.0.0" in deleted.stderr
    remote_tags = subprocess.run(["git", "tag"], cwd=remote, capture_output=True, text=True).stdout.split()
    assert "prompts/content/hook/v1.0.0" in remote_tags
    history.write_prompt("greeting", "0.3.0", "Fine {{ topic }}\n")
    history.commit("greeting 0.3.0")
    history.tag_release("greeting", "0.3.0")
    pushed = git(history, "push", "origin", "main", "prompts/greeting/v0.3.0")
    assert pushed.returncode == 0, pushed.stderr


def test_pre_push_runs_the_version_rules(history: Any, tmp_path: Path, monkeypatch: Any) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    git(history, "remote", "add", "origin", str(remote))
    monkeypatch.chdir(history.root)
    main(["hooks", "install"])
    history.write("prompts/labels.yaml", "production:\n  content/hook: 7.0.0\n")
    git(history, "add", "prompts/labels.yaml")
    assert git(history, "commit", "-q", "--no-verify", "-m", "label an unreleased version").returncode == 0
    pushed = git(history, "push", "origin", "main")
    assert pushed.returncode != 0
    assert (
        "prompts/labels.yaml:2:17: PG504 label production points at content/hook@7.0.0"
        in pushed.stdout + pushed.stderr
    )


def test_pre_commit_hook_with_only_a_deleted_prompt_checks_labels(history: Any, monkeypatch: Any) -> None:
    monkeypatch.chdir(history.root)
    main(["hooks", "install"])
    git(history, "rm", "-q", "prompts/content/hook.j2")
    refused = git(history, "commit", "-m", "remove a labelled prompt")
    assert refused.returncode != 0
    assert (
        "PG505 label production points at content/hook, which was removed" in refused.stdout + refused.stderr
    )


def test_pre_commit_hook_warns_about_a_staged_partial(history: Any, monkeypatch: Any) -> None:
    monkeypatch.chdir(history.root)
    main(["hooks", "install"])
    history.write("prompts/partials/style.j2", "Style five.")
    git(history, "add", "prompts/partials/style.j2")
    accepted = git(history, "commit", "-m", "partial only")
    assert accepted.returncode == 0  # a warning does not refuse the commit
    assert "prompts/content/hook.j2:2:1: PG506 warning: content/hook includes prompts/partials/style.j2" in (
        accepted.stdout + accepted.stderr
    )
