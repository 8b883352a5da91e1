"""The whole action, its install step included, as another repository would use it.

The action is taken from a clone of this repository (its committed state, like `uses: owner/repo/...@ref`),
and PATH holds no promptgit: every check must run the one the install step put in its own virtualenv.
This installs the package and its dependencies with pip, so it is the one slow test here (about 15 s).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import git
from gha_runner import REPO_ROOT, run_composite_action


def test_action_installs_promptgit_from_its_own_commit_and_checks_the_pull_request(
    prompt_repo: Any, open_pull_request: Callable[[], Any], tmp_path: Path
) -> None:
    action_repo = tmp_path / "action-repo"
    git.Repo.clone_from(str(REPO_ROOT), str(action_repo))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    prompt_repo.write_prompt("greeting", "1.0.0", "Hello {{ topic }}\n")
    prompt_repo.commit("base")
    checkout = open_pull_request()
    checkout.write_prompt("greeting", "1.1.0", "Hello {{ topic }}, meet {{ name }}\n")
    checkout.write_prompt("farewell", "1.0.0", "Goodbye, {{ topic }}\n")
    checkout.commit("greeting names someone; a farewell")
    env = {
        "PATH": os.pathsep.join([str(bin_dir), "/usr/bin", "/bin"]),
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_BASE_REF": "main",
        "GITHUB_WORKSPACE": str(checkout.root),
    }

    run = run_composite_action(
        action_repo / ".github" / "actions" / "promptgit" / "action.yml",
        {},
        workdir=checkout.root,
        runner_dir=tmp_path / "runner",
        env=env,
    )

    install = run.step("Install promptgit")
    assert install.returncode == 0, install.stderr
    venv_bin = tmp_path / "runner" / "temp" / "promptgit-venv" / "bin"
    assert install.outputs == {"bin": str(venv_bin)}
    assert install.stdout == "promptgit 0.1.0\n"
    assert (
        "::error file=prompts/greeting.j2,line=8,col=28,title=PG301::"
        "variable 'name' is used but not declared in inputs"
    ) in run.step("Validate prompts and version rules").stdout.splitlines()
    assert "| `farewell` | 1.0.0 |" in run.summary
    assert run.steps[-1].name == "Fail on findings"
    assert run.returncode == 1
