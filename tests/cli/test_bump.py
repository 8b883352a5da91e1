"""`promptgit bump`: the version is raised in the working tree, nothing else changes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PromptRepo


def bump(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "promptgit", "bump", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("version", "part", "expected"),
    [
        ("1.2.3", "patch", "1.2.4"),
        ("1.2.3", "minor", "1.3.0"),
        ("1.2.3", "major", "2.0.0"),
        ("2.0.0-rc.1", "patch", "2.0.0"),
    ],
)
def test_bump_rewrites_only_the_version_line(
    prompt_repo: PromptRepo, version: str, part: str, expected: str
) -> None:
    path = prompt_repo.write_prompt("content/hook", version)
    before = path.read_text()

    result = bump(prompt_repo.root, "content/hook", part)

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"content/hook: {version} -> {expected} (prompts/content/hook.j2)\n"
    assert path.read_text() == before.replace(f"version: {version}\n", f"version: {expected}\n", 1)
    assert sorted(p.name for p in path.parent.iterdir()) == ["hook.j2"]  # no staging file left behind


def test_a_bumped_change_passes_the_version_rules_that_refused_it(prompt_repo: PromptRepo) -> None:
    prompt_repo.write_prompt("content/hook", "1.0.0")
    prompt_repo.commit("add hook")
    prompt_repo.tag_release("content/hook", "1.0.0")
    prompt_repo.write_prompt("content/hook", "1.0.0", body="Hello again {{ topic }}\n")
    versions = [sys.executable, "-m", "promptgit", "validate", "--select", "versions", "--base", "HEAD"]

    refused = subprocess.run(versions, cwd=prompt_repo.root, capture_output=True, text=True, check=False)
    assert refused.returncode == 1
    assert "PG501" in refused.stdout

    bumped = bump(prompt_repo.root, "prompts/content/hook.j2")
    assert (bumped.returncode, bumped.stdout) == (
        0,
        "content/hook: since its release 1.0.0: body changed: patch, needs 1.0.1\n"
        "content/hook: 1.0.0 -> 1.0.1 (prompts/content/hook.j2)\n",
    )
    accepted = subprocess.run(versions, cwd=prompt_repo.root, capture_output=True, text=True, check=False)
    assert (accepted.returncode, accepted.stdout) == (0, "1 file checked: no problems\n")


def test_bump_of_a_missing_prompt_or_a_file_without_version_is_one_line_exit_2(
    prompt_repo: PromptRepo,
) -> None:
    missing = bump(prompt_repo.root, "content/nope")
    assert (missing.returncode, missing.stdout) == (2, "")
    assert (
        missing.stderr
        == "promptgit: error: no prompt 'content/nope': prompts/content/nope.j2 does not exist\n"
    )

    prompt_repo.write("prompts/content/bare.j2", "---\nkind: hook\n---\nHi\n")
    bare = bump(prompt_repo.root, "content/bare")
    assert bare.returncode == 2
    assert bare.stderr == (
        "promptgit: error: bare.j2: no 'version: x.y.z' line in the front matter to bump\n"
    )


def released_hook(repo: PromptRepo) -> None:
    repo.write_prompt("content/hook", "1.0.0")
    repo.commit("add hook")
    repo.tag_release("content/hook", "1.0.0")


@pytest.mark.parametrize(
    ("inputs", "expected", "why"),
    [
        (
            "\n  topic: {type: string}\n  tone: {type: string}",
            "2.0.0",
            "input 'tone' added as required (no default): breaking",
        ),
        (
            "\n  topic: {type: string}\n  tone: {type: string, default: x}",
            "1.1.0",
            "input 'tone' added as optional: additive",
        ),
        ("\n  topic: {type: string, description: What}", "1.0.1", "metadata changed: patch"),
    ],
)
def test_bump_without_a_part_picks_what_the_change_needs(
    prompt_repo: PromptRepo, inputs: str, expected: str, why: str
) -> None:
    released_hook(prompt_repo)
    prompt_repo.write_prompt("content/hook", "1.0.0", inputs=inputs, sample="{topic: x, tone: y}")
    result = bump(prompt_repo.root, "content/hook")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        f"content/hook: since its release 1.0.0: {why}, needs {expected}\n"
        f"content/hook: 1.0.0 -> {expected} (prompts/content/hook.j2)\n"
    )


def test_bump_without_a_part_raises_a_too_small_bump_and_leaves_a_sufficient_one(
    prompt_repo: PromptRepo,
) -> None:
    released_hook(prompt_repo)
    inputs = "\n  subject: {type: string}"
    path = prompt_repo.write_prompt(
        "content/hook", "1.1.0", "Hi {{ subject }}\n", inputs=inputs, sample="{subject: x}"
    )
    result = bump(prompt_repo.root, "content/hook")
    assert result.stdout.splitlines() == [
        "content/hook: since its release 1.0.0: input 'topic' renamed to 'subject': breaking, needs 2.0.0",
        "content/hook: 1.1.0 -> 2.0.0 (prompts/content/hook.j2)",
    ]
    before = path.read_text()
    again = bump(prompt_repo.root, "content/hook")
    assert (again.returncode, again.stdout.splitlines()[-1]) == (0, "content/hook: 2.0.0 already covers it")
    assert path.read_text() == before


def test_bump_without_a_part_of_an_unchanged_release_changes_nothing(prompt_repo: PromptRepo) -> None:
    released_hook(prompt_repo)
    result = bump(prompt_repo.root, "content/hook")
    assert (result.returncode, result.stdout) == (
        0,
        "content/hook: unchanged since its release 1.0.0; nothing to bump (give a part to bump anyway)\n",
    )


def test_bump_without_a_part_of_a_never_released_prompt_is_a_patch(prompt_repo: PromptRepo) -> None:
    prompt_repo.write_prompt("content/hook", "0.1.0")
    assert bump(prompt_repo.root, "content/hook").stdout == (
        "content/hook: 0.1.0 -> 0.1.1 (prompts/content/hook.j2)\n"
    )
