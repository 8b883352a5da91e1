"""A repository whose .git cannot be read is an error for the version rules, never a silent pass."""

from __future__ import annotations

import shutil
import subprocess
import sys

from tests.conftest import PromptRepo


def run_cli(repo: PromptRepo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "promptgit", *args], cwd=repo.root, capture_output=True, text=True, check=False
    )


def test_validate_with_deleted_objects_exits_2_naming_the_repository(prompt_repo: PromptRepo) -> None:
    prompt_repo.write_prompt("content/hook", "1.0.0")
    prompt_repo.commit("add hook")
    assert run_cli(prompt_repo, "validate").returncode == 0
    shutil.rmtree(prompt_repo.root / ".git" / "objects")

    result = run_cli(prompt_repo, "validate")

    assert result.returncode == 2
    assert result.stdout == ""
    problem = "not a readable git repository (corrupt or incomplete)"
    assert result.stderr == f"promptgit: error: {prompt_repo.root / '.git'}: {problem}\n"


def test_without_the_version_rules_a_corrupt_repository_does_not_matter(prompt_repo: PromptRepo) -> None:
    prompt_repo.write_prompt("content/hook", "1.0.0")
    prompt_repo.commit("add hook")
    shutil.rmtree(prompt_repo.root / ".git" / "objects")

    result = run_cli(prompt_repo, "validate", "--select", "parse,schema,variables,tokens,security")

    assert (result.returncode, result.stdout) == (0, "1 file checked: no problems\n")
