"""Static properties of the workflows and the action that the linters do not enforce on their own."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from gha_runner import ACTION_FILE, WORKFLOWS_DIR, load

WORKFLOWS = sorted(WORKFLOWS_DIR.glob("*.yml"))
FILES = [*WORKFLOWS, ACTION_FILE]
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # PyYAML reads the bare key `on` as the boolean True (YAML 1.1)
    value = workflow["on"] if "on" in workflow else workflow[True]
    return value if isinstance(value, dict) else dict.fromkeys(value)


def all_steps(path: Path) -> list[dict[str, Any]]:
    data = load(path)
    if "runs" in data:
        return list(data["runs"]["steps"])
    return [step for job in data["jobs"].values() for step in job.get("steps", [])]


def uses_lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    uses = [line.strip().lstrip("- ") for line in lines]
    return [line.removeprefix("uses:").strip() for line in uses if line.startswith("uses:")]


def test_the_workflows_exist() -> None:
    assert [path.name for path in WORKFLOWS] == ["ci.yml", "release.yml"]


def test_action_inputs_are_the_documented_ones() -> None:
    inputs = load(ACTION_FILE)["inputs"]
    assert list(inputs) == ["paths", "base-ref", "format", "fail-on", "promptgit-version", "upload-sarif"]
    assert {name: spec["default"] for name, spec in inputs.items()} == {
        "paths": "",
        "base-ref": "",
        "format": "github",
        "fail-on": "error",
        "promptgit-version": "",
        "upload-sarif": "false",
    }
    assert load(ACTION_FILE)["runs"]["using"] == "composite"


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_scripts_hold_no_expressions(path: Path) -> None:
    """Template injection guard: inputs and contexts reach scripts only through env."""
    for step in all_steps(path):
        if "run" in step:
            assert "${{" not in step["run"], f"{path.name}: step {step.get('name')!r} expands an expression"


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_scripts_are_valid_bash(path: Path, tmp_path: Path) -> None:
    for index, step in enumerate(all_steps(path)):
        if "run" in step:
            script = tmp_path / f"{index}.sh"
            script.write_text(step["run"], encoding="utf-8")
            checked = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, check=False)
            assert checked.returncode == 0, f"{path.name}: {step.get('name')!r}: {checked.stderr}"


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_remote_actions_are_pinned_to_a_commit_with_its_version(path: Path) -> None:
    for reference in uses_lines(path):
        if reference.startswith("./"):
            continue
        assert PINNED.match(reference), f"{path.name}: {reference!r} is not `owner/repo@<sha> # vX.Y.Z`"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_least_privilege_permissions(path: Path) -> None:
    workflow = load(path)
    assert workflow["permissions"] == {}, "the workflow grants nothing by default"
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"job {name} states the permissions it needs"
        assert "pull_request_target" not in triggers(workflow)


def test_checkouts_do_not_store_the_token() -> None:
    for path in WORKFLOWS:
        for step in all_steps(path):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, path.name


def test_ci_covers_the_supported_pythons_and_uses_the_action_on_pull_requests() -> None:
    ci = load(WORKFLOWS_DIR / "ci.yml")
    assert ci["jobs"]["tests"]["strategy"]["matrix"]["python"] == ["3.10", "3.11", "3.12", "3.13"]
    prompts = ci["jobs"]["prompts"]
    assert prompts["if"] == "github.event_name == 'pull_request'"
    assert prompts["permissions"] == {"contents": "read"}
    checkout, _python, action = prompts["steps"]
    assert checkout["with"]["fetch-depth"] == 0
    assert action == {"uses": "./.github/actions/promptgit"}


def test_release_workflow_runs_promptgit_release_on_main_only() -> None:
    release = load(WORKFLOWS_DIR / "release.yml")
    assert triggers(release) == {"push": {"branches": ["main"], "paths": ["prompts/**"]}}
    job = release["jobs"]["release"]
    assert job["permissions"] == {"contents": "write"}
    assert [step.get("run") for step in job["steps"] if step.get("name") == "Release bumped prompts"] == [
        "promptgit release --all"
    ]
