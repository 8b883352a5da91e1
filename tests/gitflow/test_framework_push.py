"""Issue 19.1 and 19.6 through the pre-commit framework, with the config `promptgit init --ci github` writes:
`pre-commit install` installs the commit and the push hooks, warnings of a passing commit are shown, and a
push whose labels name a release tag the remote lacks is refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.adoption.test_docs_commands import source_repository

UNUSED_INPUT = """---
version: 0.2.0
kind: example
inputs:
  text: {type: string}
  audience: {type: string, default: beginners}
sample: {text: hello}
---
Summarise: {{ text }}
"""


def test_init_config_warns_on_commit_and_refuses_a_label_without_its_tag(
    tmp_path: Path, pre_commit_home: Path
) -> None:
    source = tmp_path / "promptgit-source"
    commit = source_repository(source)
    pin = f"py-promptgit @ git+{source.as_uri().replace('file://', 'file://localhost', 1)}@{commit}"
    repo = tmp_path / "consumer"
    remote = tmp_path / "origin.git"
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(pre_commit_home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Consumer",
        "GIT_AUTHOR_EMAIL": "consumer@example.com",
        "GIT_COMMITTER_NAME": "Consumer",
        "GIT_COMMITTER_EMAIL": "consumer@example.com",
        "NO_COLOR": "1",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, check=False)
        return subprocess.CompletedProcess(done.args, done.returncode, done.stdout + done.stderr, "")

    def promptgit(*args: str) -> subprocess.CompletedProcess[str]:
        return run(sys.executable, "-m", "promptgit", *args)

    repo.mkdir()
    assert promptgit("init", "--ci", "github", "--requirement", pin).returncode == 0
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    run("git", "checkout", "-q", "-B", "main")
    run("git", "config", "commit.gpgsign", "false")
    run("git", "config", "tag.gpgsign", "false")
    run("git", "remote", "add", "origin", f"file://{remote}")
    installed = run("pre-commit", "install")
    assert installed.returncode == 0, installed.stdout
    assert "pre-commit installed at .git/hooks/pre-push" in installed.stdout
    run("git", "add", "-A")
    first = run("git", "commit", "-m", "promptgit init")
    assert first.returncode == 0, first.stdout
    assert run("git", "push", "-q", "origin", "main").returncode == 0

    # item 6: a warning does not stop the commit, and the framework shows it
    (repo / "prompts/examples/summarize.j2").write_text(UNUSED_INPUT)
    run("git", "add", "-A")
    warned = run("git", "commit", "-m", "summarize 0.2.0")
    assert warned.returncode == 0, warned.stdout
    assert "PG302 warning: input 'audience' is declared but never used" in warned.stdout, warned.stdout

    released = promptgit("release", "examples/summarize")
    assert released.returncode == 0, released.stdout
    assert promptgit("label", "set", "staging", "examples/summarize@0.2.0").returncode == 0
    assert run("git", "commit", "-qam", "staging -> 0.2.0").returncode == 0
    refused = run("git", "push", "origin", "main")
    assert refused.returncode != 0
    assert (
        "promptgit: refusing to push refs/heads/main: prompts/labels.yaml has label staging -> "
        "examples/summarize@0.2.0, but tag prompts/examples/summarize/v0.2.0 is neither on origin nor in "
        "this push; push them together: git push origin main prompts/examples/summarize/v0.2.0"
    ) in refused.stdout, refused.stdout
    # through the framework a hook sees one ref of a push: the tag goes first
    assert run("git", "push", "-q", "origin", "prompts/examples/summarize/v0.2.0").returncode == 0
    pushed = run("git", "push", "origin", "main")
    assert pushed.returncode == 0, pushed.stdout
