"""The test job in CI: the PR workflow `init --ci github` writes, and this repository's own workflow."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import git
import yaml

from promptgit.commands.adoption import ci_files

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.append(str(REPO_ROOT / "tests" / "actions"))
from gha_runner import Contexts, run_steps  # noqa: E402

PIN = "py-promptgit @ git+https://github.com/example/promptgit@0123456789abcdef0123456789abcdef01234567"
HOOK = "Write a hook about {{ topic }}.\nMention bread.\n"
TESTS = "cases:\n  - name: mentions bread\n    render: [{type: contains, value: Mention bread}]\n"


def _pull_request(tmp_path: Path, prompt_repo: Any, body: str) -> Path:
    prompt_repo.write_prompt("hook", "1.0.0", HOOK)
    prompt_repo.write("prompts/hook.tests.yaml", TESTS)
    prompt_repo.commit("base")
    prompt_repo.tag_release("hook", "1.0.0")
    checkout = tmp_path / "checkout"
    clone = git.Repo.clone_from(str(prompt_repo.root), str(checkout))
    clone.git.checkout("-b", "feature")
    front = "---\nversion: 1.0.1\nkind: hook\ninputs:\n  topic: {type: string}\nsample: {topic: tea}\n---\n"
    (checkout / "prompts/hook.j2").write_text(front + body)
    clone.git.add(A=True)
    clone.index.commit("change the hook")
    return checkout


def _run_workflow(tmp_path: Path, checkout: Path) -> Any:
    workflow = yaml.safe_load(dict(ci_files(PIN, "prompts"))[".github/workflows/prompts.yml"])
    steps = [step for step in workflow["jobs"]["prompts"]["steps"] if step.get("name") != "Install promptgit"]
    bin_dir = str(Path(sys.executable).parent)
    return run_steps(
        steps,
        Contexts({}, {"base_ref": "main"}, {}),
        workdir=checkout,
        runner_dir=tmp_path / "runner",
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "NO_COLOR": "1", **workflow["env"]},
    )


def test_the_pr_workflow_reports_a_regression(tmp_path: Path, prompt_repo: Any) -> None:
    checkout = _pull_request(tmp_path, prompt_repo, "Write a hook about {{ topic }}.\n")

    run = _run_workflow(tmp_path, checkout)

    assert [step.name for step in run.steps] == [
        "Token report",
        "Validate prompts and version rules",
        "Prompt tests",
    ]
    tests = run.step("Prompt tests")
    assert tests.stdout.splitlines()[0] == "promptgit test --format github --base origin/main"
    assert tests.stdout.splitlines()[1].startswith(
        "::error file=prompts/hook.tests.yaml,line=2,title=promptgit test::hook / mentions bread:"
    )
    assert "| hook / mentions bread | ✅ pass | ❌ fail" in run.summary
    assert run.returncode == 1


def test_the_pr_workflow_passes_without_regressions(tmp_path: Path, prompt_repo: Any) -> None:
    checkout = _pull_request(tmp_path, prompt_repo, "Write a short hook about {{ topic }}.\nMention bread.\n")

    run = _run_workflow(tmp_path, checkout)

    assert run.step("Prompt tests").returncode == 0
    assert "| hook / mentions bread | ✅ pass | ✅ pass" in run.summary
    assert run.returncode == 0


def test_this_repositorys_workflow_runs_the_example_librarys_tests() -> None:
    ci = yaml.safe_load((REPO_ROOT / ".github/workflows/ci.yml").read_text("utf-8"))
    job = ci["jobs"]["prompt-tests"]
    assert job["permissions"] == {"contents": "read"}
    runs = [step.get("run") for step in job["steps"]]
    assert 'promptgit test --format github --summary "$GITHUB_STEP_SUMMARY"' in runs
    action = yaml.safe_load((REPO_ROOT / ".github/actions/promptgit/action.yml").read_text("utf-8"))
    assert "Prompt tests" in [step.get("name") for step in action["runs"]["steps"]]


def test_the_example_library_passes_in_replay(monkeypatch, capsys, no_network) -> None:  # type: ignore[no-untyped-def]
    from promptgit.cli import main

    monkeypatch.chdir(REPO_ROOT)
    capsys.readouterr()
    code = main(["test"])
    out = capsys.readouterr().out

    assert code == 0, out
    assert out.splitlines()[-1].startswith("19 passed in ")
