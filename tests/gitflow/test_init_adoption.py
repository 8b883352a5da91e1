"""Issue 19.9 and 19.10: `init` makes `main` (the branch its release workflow fires on), and `init --ci
github` can be added to an existing repository (promptgit.yaml there; an existing .pre-commit-config.yaml
gains promptgit's hooks, its own left as they were)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from promptgit.cli import main

PIN = "py-promptgit @ git+https://github.com/example/promptgit@0123456789abcdef0123456789abcdef01234567"
EXISTING = """# our hooks
repos:
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v0.6.9
    hooks:
      - id: ruff
"""


def init(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["-C", str(root), "init", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_init_makes_main(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = init(tmp_path, capsys, "--ci", "github", "--requirement", PIN)
    assert code == 0
    head = subprocess.run(["git", "symbolic-ref", "HEAD"], cwd=tmp_path, capture_output=True, text=True)
    assert head.stdout.strip() == "refs/heads/main"
    workflow = yaml.safe_load((tmp_path / ".github/workflows/release-prompts.yml").read_text())
    assert workflow[True]["push"]["branches"] == ["main"]  # YAML 1.1 reads `on` as True


def test_init_ci_into_an_existing_prompt_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert init(tmp_path, capsys)[0] == 0
    (tmp_path / ".pre-commit-config.yaml").write_text(EXISTING)
    code, out, err = init(tmp_path, capsys, "--ci", "github", "--requirement", PIN)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "kept promptgit.yaml (exists)",
        "kept prompts/examples/summarize.j2 (exists)",
        "kept prompts/labels.yaml (exists)",
        "kept .promptgit/schemas/prompt.schema.json (exists)",
        "kept .promptgit/schemas/config.schema.json (exists)",
        "kept .promptgit/schemas/labels.schema.json (exists)",
        "added promptgit's hooks to .pre-commit-config.yaml",
        "created .github/workflows/prompts.yml",
        "created .github/workflows/release-prompts.yml",
        "next: promptgit validate && promptgit render examples/summarize@worktree --sample "
        "&& pre-commit install",
    ]
    text = (tmp_path / ".pre-commit-config.yaml").read_text()
    assert text.startswith(EXISTING)  # the file's own content and comments untouched
    config = yaml.safe_load(text)
    assert [repo["repo"] for repo in config["repos"]] == [
        "https://github.com/astral-sh/ruff-pre-commit",
        "local",
    ]
    assert [hook["id"] for hook in config["repos"][1]["hooks"]] == ["promptgit", "promptgit-push"]
    assert config["default_install_hook_types"] == ["pre-commit", "pre-push"]
    validated = subprocess.run(
        ["pre-commit", "validate-config", ".pre-commit-config.yaml"], cwd=tmp_path, capture_output=True
    )
    assert validated.returncode == 0, validated.stdout
    again = init(tmp_path, capsys, "--ci", "github", "--requirement", PIN)
    assert again[0] == 2
    assert again[2] == (
        "promptgit: error: .pre-commit-config.yaml already has promptgit's hooks; "
        "refusing to add them twice\n"
    )


def test_init_without_ci_still_refuses_an_existing_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert init(tmp_path, capsys)[0] == 0
    code, _, err = init(tmp_path, capsys)
    assert code == 2
    assert err == "promptgit: error: promptgit.yaml already exists; refusing to overwrite it\n"


def test_a_git_file_pin_is_warned_about(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 19.11: a pin to a path on this machine reaches no CI runner; say so when writing it."""
    pin = "py-promptgit @ git+file:///src/promptgit@0123456789abcdef0123456789abcdef01234567"
    code, _, err = init(tmp_path, capsys, "--ci", "github", "--requirement", pin)
    assert code == 0
    assert err == (
        f"promptgit: warning: the pin {pin!r} installs from a path on this machine, which a CI runner "
        "does not have; pass --requirement with a URL CI can reach (git+https://...@COMMIT, or "
        "py-promptgit==X.Y.Z from an index)\n"
    )
