"""A pull request in a temp clone: `origin/main` holds the base commit, branch `feature` the PR commit."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import git
import pytest

HERE = Path(__file__).resolve().parent
# appended, not inserted: tests/conftest.py is imported by path to import the shared conftest by name
sys.path.append(str(HERE))

from gha_runner import ACTION_FILE, Run, run_composite_action  # noqa: E402

# the promptgit installed for the tests stands in for the action's own install step (tested on its own)
INSTALLED_BIN = str(Path(sys.executable).parent)


@pytest.fixture
def open_pull_request(prompt_repo: Any, tmp_path: Path) -> Callable[[], Any]:
    """Clone `prompt_repo` (commit the base there first) and start branch `feature`; returns the clone's
    PromptRepo, so the PR commit is made with the same helpers."""

    def open_() -> Any:
        path = tmp_path / "checkout"
        git.Repo.clone_from(str(prompt_repo.root), str(path))
        checkout = type(prompt_repo)(path)
        checkout.git.git.checkout("-b", "feature")
        return checkout

    return open_


@pytest.fixture
def run_action(tmp_path: Path) -> Callable[..., Run]:
    """Run the action's steps in `checkout`: a pull_request event against `github_base_ref` ('' = a push)."""

    def run(checkout: Any, *, github_base_ref: str = "main", **inputs: str) -> Run:
        env = {
            "GITHUB_EVENT_NAME": "pull_request" if github_base_ref else "push",
            "GITHUB_BASE_REF": github_base_ref,
            "GITHUB_WORKSPACE": str(checkout.root),
            "NO_COLOR": "1",
        }
        return run_composite_action(
            ACTION_FILE,
            {name.replace("_", "-"): value for name, value in inputs.items()},
            workdir=checkout.root,
            runner_dir=tmp_path / "runner",
            env=env,
            preset_outputs={"install": {"bin": INSTALLED_BIN}},
        )

    return run
