"""Issue 19.7: the plain hooks check what is staged, and say what to do when promptgit cannot be found."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.gitflow.conftest import Team, out

GOOD = "---\nversion: 1.0.0\nkind: hook\ninputs:\n  topic: {type: string}\nsample: {topic: bread}\n---\n"
BROKEN = GOOD + "Hi {{ name }}\n"
GOOD += "Hi {{ topic }}\n"


def test_a_staged_broken_prompt_fixed_only_on_disk_is_refused(team: Team) -> None:
    path = team.root / "prompts/y.j2"
    path.write_text(BROKEN)
    team.git("add", "prompts/y.j2")
    path.write_text(GOOD)  # fixed, not staged: the commit would take the broken blob
    refused = team.git("commit", "-m", "y")
    assert refused.returncode == 1, out(refused)
    assert "prompts/y.j2:8:7: PG301 variable 'name' is used but not declared" in out(refused), out(refused)
    assert "promptgit: note: prompts/y.j2 has unstaged changes; the staged version is checked" in out(refused)
    assert path.read_text() == GOOD  # the unstaged fix is back on disk
    assert team.git("show", ":prompts/y.j2").stdout == BROKEN  # and the index untouched


def test_a_staged_good_prompt_broken_only_on_disk_is_committed(team: Team) -> None:
    path = team.root / "prompts/y.j2"
    path.write_text(GOOD)
    team.git("add", "prompts/y.j2")
    path.write_text(BROKEN)
    accepted = team.git("commit", "-m", "y")
    assert accepted.returncode == 0, out(accepted)
    assert team.git("show", "HEAD:prompts/y.j2").stdout == GOOD
    assert path.read_text() == BROKEN
    assert team.git("status", "--porcelain").stdout == " M prompts/y.j2\n"


def test_a_conflicted_merge_committed_as_is_is_refused(team: Team) -> None:
    """Issue 19.5 through the plain hook: the markers are staged with `git add -A` after the conflict."""
    team.git("checkout", "-q", "-b", "side")
    team.repo.write_prompt("x", "0.1.9", "Side {{ topic }}\n")
    assert team.git("commit", "-qam", "side").returncode == 0
    team.git("checkout", "-q", "main")
    team.repo.write_prompt("x", "0.1.9", "Main {{ topic }}\n")
    assert team.git("commit", "-qam", "main").returncode == 0
    assert team.git("merge", "side").returncode != 0  # conflict
    team.git("add", "-A")
    refused = team.git("commit", "--no-edit")
    assert refused.returncode == 1
    assert "prompts/x.j2:8:1: PG108 merge conflict markers (lines 8-12)" in out(refused), out(refused)


def test_the_hook_runs_with_the_interpreter_that_installed_it(team: Team) -> None:
    hook = (team.root / ".git/hooks/pre-commit").read_text()
    assert f"PROMPTGIT_PYTHON='{sys.executable}'" in hook
    env = {**os.environ, "PATH": "/usr/bin:/bin"}  # a GUI client or an unactivated venv: no promptgit
    (team.root / "prompts/y.j2").write_text(BROKEN)
    team.git("add", "-A")
    refused = subprocess.run(
        ["git", "commit", "-m", "y"], cwd=team.root, env=env, capture_output=True, text=True
    )
    assert refused.returncode == 1
    assert "PG301" in out(refused)  # checked, by the recorded interpreter


def test_a_gone_interpreter_is_explained(team: Team) -> None:
    hook = team.root / ".git/hooks/pre-commit"
    hook.write_text(hook.read_text().replace(sys.executable, "/gone/venv/bin/python"))
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    (team.root / "prompts/y.j2").write_text(GOOD)
    team.git("add", "-A")
    refused = subprocess.run(
        ["git", "commit", "-m", "y"], cwd=team.root, env=env, capture_output=True, text=True
    )
    assert refused.returncode == 1
    assert refused.stderr == (
        "promptgit pre-commit hook: cannot run promptgit: /gone/venv/bin/python (which installed this hook) "
        "is gone and no promptgit is on PATH. Activate the environment promptgit is installed in (or install "
        "it as the README says) and run `promptgit hooks install` again; "
        "to commit once without the checks: git commit --no-verify\n"
    )


def test_the_shipped_hooks_record_no_interpreter() -> None:
    shipped = (Path(__file__).resolve().parents[2] / "hooks" / "pre-commit").read_text()
    assert "PROMPTGIT_PYTHON=''" in shipped


def test_install_brings_an_older_promptgit_hook_up_to_date(team: Team) -> None:
    hook = team.root / ".git/hooks/pre-commit"
    hook.write_text(
        "#!/bin/sh\n# promptgit pre-commit hook: check what the commit changes.\n"
        "# Installed by `promptgit hooks install`; the logic lives in `promptgit hooks run`.\n"
        'exec promptgit hooks run pre-commit "$@"\n'
    )
    installed = team.promptgit("hooks", "install")
    assert installed.returncode == 0, out(installed)
    assert f"pre-commit: updated {hook} (runs {sys.executable})" in installed.stdout
    assert f"PROMPTGIT_PYTHON='{sys.executable}'" in hook.read_text()
