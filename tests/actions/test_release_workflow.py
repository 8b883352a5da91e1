"""release.yml's own steps, run in a clone of a repository with one prompt bumped since its last release."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import git
from gha_runner import WORKFLOWS_DIR, Contexts, load, run_steps

RELEASE_STEPS = ["Validate main", "Release bumped prompts", "Push release tags"]


def release_steps() -> list[dict[str, Any]]:
    """The steps that run promptgit and git; checkout, setup-python and `pip install .` are the runner's."""
    steps = load(WORKFLOWS_DIR / "release.yml")["jobs"]["release"]["steps"]
    return [step for step in steps if step.get("name") in RELEASE_STEPS]


def run_release(checkout: Path, runner_dir: Path) -> Any:
    contexts = Contexts({}, {"token": "test-token"}, {})
    return run_steps(
        release_steps(), contexts, workdir=checkout, runner_dir=runner_dir, env={"NO_COLOR": "1"}
    )


def remote_tags(origin: Any) -> dict[str, str]:
    return {tag.name: tag.commit.hexsha for tag in git.Repo(origin.root).tags}


def test_release_workflow_tags_bumped_prompts_and_pushes_only_new_tags(
    prompt_repo: Any, tmp_path: Path
) -> None:
    origin = prompt_repo
    origin.write_prompt("greeting", "1.0.0")
    origin.write_prompt("content/hook", "1.0.0")
    origin.commit("first prompts")
    origin.tag_release("greeting", "1.0.0")
    origin.tag_release("content/hook", "1.0.0")
    origin.write_prompt("content/hook", "1.1.0", "A sharper hook about {{ topic }}\n")
    merged = origin.commit("hook 1.1.0 merged")
    checkout = tmp_path / "runner-checkout"
    git.Repo.clone_from(str(origin.root), str(checkout))
    before = remote_tags(origin)

    run = run_release(checkout, tmp_path / "runner")

    assert [step.name for step in run.steps] == RELEASE_STEPS
    assert run.returncode == 0, run.stdout + run.stderr
    assert remote_tags(origin) == before | {"prompts/content/hook/v1.1.0": merged}
    tag = git.Repo(origin.root).tags["prompts/content/hook/v1.1.0"].tag
    assert tag is not None, "an annotated tag"
    assert tag.tagger.name == "github-actions[bot]"
    assert tag.tagger.email == "41898282+github-actions[bot]@users.noreply.github.com"

    again = run_release(checkout, tmp_path / "runner-again")
    assert again.returncode == 0, again.stdout + again.stderr
    assert remote_tags(origin) == before | {"prompts/content/hook/v1.1.0": merged}


def test_release_workflow_refuses_main_that_differs_from_a_released_version(
    prompt_repo: Any, tmp_path: Path
) -> None:
    """Issue 19.2: a change merged after its version was released stops the release at validation."""
    origin = prompt_repo
    origin.write_prompt("greeting", "1.0.0")
    origin.commit("first prompt")
    origin.tag_release("greeting", "1.0.0")
    origin.write_prompt("greeting", "1.0.0", "Merged after the release {{ topic }}\n")
    origin.commit("a second branch with the same version merged")
    checkout = tmp_path / "runner-checkout"
    git.Repo.clone_from(str(origin.root), str(checkout))
    before = remote_tags(origin)

    run = run_release(checkout, tmp_path / "runner")

    assert [step.name for step in run.steps] == ["Validate main"]
    assert run.returncode == 1
    assert "PG501 greeting changed since its release 1.0.0" in run.step("Validate main").stdout
    assert remote_tags(origin) == before
