from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("command", "path"),
    [("validate-manifest", ".pre-commit-hooks.yaml"), ("validate-config", ".pre-commit-config.yaml")],
)
def test_pre_commit_accepts_the_files(command: str, path: str) -> None:
    result = subprocess.run(["pre-commit", command, path], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_manifest_hooks() -> None:
    hooks = {hook["id"]: hook for hook in yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())}
    # one id for every check in one process (one interpreter start per commit); the narrower ids stay
    assert set(hooks) == {"promptgit", "promptgit-validate", "promptgit-versions", "promptgit-push"}
    push = hooks.pop("promptgit-push")
    assert (push["entry"], push["stages"], push["verbose"]) == (
        "promptgit hooks run pre-push",
        ["pre-push"],
        True,
    )
    assert all(hook["language"] == "python" for hook in hooks.values())
    assert hooks["promptgit"]["entry"] == "promptgit hooks run pre-commit"
    assert hooks["promptgit-versions"]["entry"] == "promptgit hooks run pre-commit --select versions"
    for hook in hooks.values():
        # the hook reads the staged changes itself: no file pattern that could miss a deletion, a rename,
        # promptgit.yaml or a configured prompts_dir
        assert "files" not in hook and hook["always_run"] is True and hook["pass_filenames"] is False
        assert hook["verbose"] is True and hook["stages"] == ["pre-commit"]
        assert hook["entry"].startswith("promptgit hooks run pre-commit")


def test_own_config_uses_the_hooks_and_linters() -> None:
    config = yaml.safe_load((REPO_ROOT / ".pre-commit-config.yaml").read_text())
    ids = [hook["id"] for repo in config["repos"] for hook in repo["hooks"]]
    assert ids == ["promptgit", "ruff", "ruff-format", "mypy"]
