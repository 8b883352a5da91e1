"""A consumer repository using this project's .pre-commit-hooks.yaml through the pre-commit framework.

pre-commit clones this repository at its committed HEAD and pip-installs it into a fresh virtualenv
(dependencies from PyPI, the only network CI has). The environment is cached per test session.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
GOOD = "---\nversion: 1.0.0\nkind: hook\ninputs:\n  topic: {type: string}\nsample: {topic: bread}\n---\n"
GOOD += "Hi {{ topic }}\n"


def run(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)


@pytest.fixture
def consumer(tmp_path: Path, pre_commit_home: Path) -> Any:
    repo = tmp_path / "consumer"
    repo.mkdir()
    env = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home), "GIT_CONFIG_NOSYSTEM": "1"}
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True
    ).stdout.strip()
    for command in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "config", "user.name", "Consumer"],
        ["git", "config", "user.email", "consumer@example.com"],
        ["git", "config", "commit.gpgsign", "false"],
    ):
        run(repo, *command, env=env)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {REPO_ROOT}\n    rev: {rev}\n    hooks:\n"
        "      - id: promptgit\n"  # one process per commit (test_adoption.py uses the two narrower ids)
    )
    installed = run(repo, "pre-commit", "install", env=env)
    assert installed.returncode == 0, installed.stderr

    def commit(message: str, files: dict[str, str]) -> subprocess.CompletedProcess[str]:
        for relative, text in files.items():
            path = repo / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        run(repo, "git", "add", "-A", env=env)
        result = run(repo, "git", "commit", "-m", message, env=env)
        # git shows hook output on stderr; one stream is easier to assert on
        return subprocess.CompletedProcess(result.args, result.returncode, result.stdout + result.stderr, "")

    commit.repo = repo  # type: ignore[attr-defined]
    commit.env = env  # type: ignore[attr-defined]
    return commit


def test_bad_prompt_refused_good_one_accepted(consumer: Any) -> None:
    bad = consumer("bad prompt", {"prompts/hello.j2": GOOD.replace("Hi {{ topic }}", "Hi {{ name }}")})
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "promptgit..." in bad.stdout and "Failed" in bad.stdout
    assert "prompts/hello.j2:8:7: PG301 " in bad.stdout, bad.stdout
    good = consumer("good prompt", {"prompts/hello.j2": GOOD})
    assert good.returncode == 0, good.stdout + good.stderr
    assert "promptgit..." in good.stdout and "Passed" in good.stdout
    assert good.stdout.count("Passed") == 1  # one hook, one process: file and version rules


def test_change_without_bump_refused_by_the_version_rules(consumer: Any) -> None:
    assert consumer("first", {"prompts/hello.j2": GOOD}).returncode == 0
    assert consumer("unreleased: no bump needed", {"prompts/hello.j2": GOOD + "\n"}).returncode == 0
    tag = ["git", "tag", "-a", "-m", "hello 1.0.0", "prompts/hello/v1.0.0"]
    assert run(consumer.repo, *tag, env=consumer.env).returncode == 0
    unbumped = consumer("reword", {"prompts/hello.j2": GOOD.replace("Hi", "Hello")})
    assert unbumped.returncode == 1
    assert (
        "prompts/hello.j2:2:1: PG501 hello changed since its release 1.0.0 (tag prompts/hello/v1.0.0) "
        "but keeps its version: body changed: patch, needs 1.0.1"
    ) in unbumped.stdout
    bumped = consumer(
        "reword, bumped", {"prompts/hello.j2": GOOD.replace("Hi", "Hello").replace("1.0.0", "1.1.0")}
    )
    assert bumped.returncode == 0, bumped.stdout
