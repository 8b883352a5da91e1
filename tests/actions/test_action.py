"""The composite action's own steps, run in a PR checkout: annotations, summary, outputs and exit status."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from gha_runner import Run

OpenPR = Callable[[], Any]
RunAction = Callable[..., Run]

GREETING_ERROR = (
    "::error file=prompts/greeting.j2,line=8,col=28,title=PG301::"
    "variable 'name' is used but not declared in inputs"
)


@pytest.fixture
def base(prompt_repo: Any) -> Any:
    """Upstream main: two valid prompts, content/hook released as 1.0.0."""
    prompt_repo.write_prompt("content/hook", "1.0.0", "Write a hook about {{ topic }}.\n")
    prompt_repo.write_prompt("greeting", "1.0.0", "Hello {{ topic }}\n")
    prompt_repo.commit("base")
    prompt_repo.tag_release("content/hook", "1.0.0")
    return prompt_repo


@pytest.fixture
def undeclared_variable_pr(base: Any, open_pull_request: OpenPR) -> Any:
    """A PR checkout whose greeting (bumped to 1.1.0) uses `name` without declaring it: PG301 on line 8."""
    checkout = open_pull_request()
    checkout.write_prompt("greeting", "1.1.0", "Hello {{ topic }}, meet {{ name }}\n")
    checkout.commit("greeting names someone")
    return checkout


def test_clean_pull_request_passes(base: Any, open_pull_request: OpenPR, run_action: RunAction) -> None:
    checkout = open_pull_request()
    checkout.write_prompt("greeting", "1.1.0", "Hello there, {{ topic }}\n")
    checkout.commit("friendlier greeting")

    run = run_action(checkout)

    assert run.returncode == 0, run.stdout + run.stderr
    assert [step.name for step in run.steps] == [
        "Resolve options",
        "Validate prompts and version rules",
        "Prompt changes",
        "Token report",
        "Prompt tests",
        "Write SARIF",
        "Fail on findings",
    ]
    validate = run.step("Validate prompts and version rules")
    assert validate.stdout.splitlines()[0] == "promptgit validate --format github --base origin/main"
    assert "::error" not in run.stdout and "::warning" not in run.stdout
    assert validate.outputs == {
        "exit-code": "0",
        "command": "promptgit validate --format github --base origin/main",
    }
    assert run.outputs == {
        "exit-code": "0",
        "command": "promptgit validate --format github --base origin/main",
        "sarif-file": "",
    }
    assert run.step("Fail on findings").stdout == "promptgit: no findings at fail-on level error\n"


def test_token_report_goes_to_the_job_summary(
    base: Any, open_pull_request: OpenPR, run_action: RunAction
) -> None:
    checkout = open_pull_request()
    checkout.write_prompt("greeting", "1.1.0", "Hello there, my dear friend, {{ topic }}\n")
    checkout.commit("longer greeting")

    run = run_action(checkout)

    changes, _, tokens = run.summary.partition("### Prompt tokens")
    tokens = "### Prompt tokens" + tokens
    assert changes.startswith("## Prompt changes since origin/main\n\n### greeting 1.0.0 -> 1.1.0\n")
    lines = tokens.splitlines()
    assert lines[:4] == [
        "### Prompt tokens (against `origin/main`)",
        "",
        "| Prompt | Version | Model | Method | Base | Tokens | Change | Budget | Used |",
        "|---|---|---|---|---:|---:|---:|---:|---:|",
    ]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[4:]]
    assert [row[:2] for row in rows] == [["`greeting`", "1.0.0 -> 1.1.0"], ["`content/hook`", "1.0.0"]]
    assert rows[0][6].startswith("+") and rows[1][6] == "0", "sorted by change, the grown prompt first"
    local = subprocess.run(
        ["promptgit", "tokens", "--format", "markdown", "--base", "origin/main"],
        cwd=checkout.root,
        capture_output=True,
        text=True,
        check=True,
    )
    assert tokens == local.stdout, "the summary is exactly what the command prints locally"


def test_findings_become_annotations_and_fail_the_check(
    undeclared_variable_pr: Any, run_action: RunAction
) -> None:
    checkout = undeclared_variable_pr

    run = run_action(checkout)

    assert run.returncode == 1
    validate = run.step("Validate prompts and version rules")
    assert validate.returncode == 0, "the validate step records the status; the last step fails the check"
    assert GREETING_ERROR in validate.stdout.splitlines()
    assert validate.outputs["exit-code"] == "1"
    assert run.outputs["exit-code"] == "1"
    failing = run.steps[-1]
    assert failing.name == "Fail on findings"
    assert failing.stdout == (
        "::error title=promptgit::promptgit validate exited 1; reproduce locally with: "
        "promptgit validate --format github --base origin/main\n"
    )
    assert run.step("Token report").returncode == 0, "the token report is written even when findings fail"


def test_the_printed_command_reproduces_the_annotations_locally(
    undeclared_variable_pr: Any, run_action: RunAction
) -> None:
    checkout = undeclared_variable_pr
    run = run_action(checkout)

    command = run.outputs["command"]
    local = subprocess.run(
        shlex.split(command), cwd=checkout.root, capture_output=True, text=True, check=False, env=os.environ
    )

    assert local.returncode == int(run.outputs["exit-code"]) == 1
    action_log = run.step("Validate prompts and version rules").stdout.splitlines()[1:]
    assert local.stdout.splitlines() == action_log


def test_version_rules_run_against_the_pull_request_base(
    base: Any, open_pull_request: OpenPR, run_action: RunAction
) -> None:
    checkout = open_pull_request()
    checkout.write_prompt("content/hook", "1.0.0", "Write a short hook about {{ topic }}.\n")
    checkout.commit("hook changed without a version bump")

    run = run_action(checkout)

    assert run.returncode == 1
    annotations = [line for line in run.stdout.splitlines() if line.startswith("::error file=")]
    assert annotations, run.stdout
    assert all(line.startswith("::error file=prompts/content/hook.j2,") for line in annotations)
    assert any(",title=PG5" in line for line in annotations)


def test_explicit_base_ref_and_paths(base: Any, open_pull_request: OpenPR, run_action: RunAction) -> None:
    checkout = open_pull_request()
    checkout.write_prompt("greeting", "1.1.0", "Hello {{ topic }}, meet {{ name }}\n")
    checkout.write_prompt("content/hook", "1.1.0", "Write a hook about {{ topic }} for {{ audience }}.\n")
    checkout.commit("two broken prompts")
    base_commit = base.git.head.commit.hexsha

    run = run_action(checkout, base_ref=base_commit, paths="prompts/greeting.j2")

    command = f"promptgit validate --format github --base {base_commit} prompts/greeting.j2"
    assert run.outputs["command"] == command
    annotations = [line for line in run.stdout.splitlines() if line.startswith("::error file=")]
    assert annotations == [GREETING_ERROR]
    assert run.returncode == 1


def test_push_event_without_base_branch_uses_promptgit_default(
    base: Any, open_pull_request: OpenPR, run_action: RunAction
) -> None:
    checkout = open_pull_request()
    run = run_action(checkout, github_base_ref="")
    assert run.outputs["command"] == "promptgit validate --format github"
    assert run.returncode == 0, run.stdout + run.stderr


def test_fail_on_warning(base: Any, open_pull_request: OpenPR, run_action: RunAction) -> None:
    checkout = open_pull_request()
    checkout.write_prompt(
        "greeting",
        "1.1.0",
        "Hello {{ topic }}\n",
        inputs="\n  topic: {type: string}\n  mood: {type: string, required: false}",
        sample="{topic: bread}",
    )
    checkout.commit("an input nobody uses")
    warning = (
        "::warning file=prompts/greeting.j2,line=6,col=3,title=PG302::input 'mood' is declared but never used"
    )

    lenient = run_action(checkout)
    assert lenient.returncode == 0
    assert warning in lenient.stdout.splitlines()

    strict = run_action(checkout, fail_on="warning")
    assert strict.outputs["command"] == "promptgit validate --format github --base origin/main --strict"
    assert warning in strict.stdout.splitlines()
    assert strict.returncode == 1


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"format": "xml"}, "input format must be github, text or json, not 'xml'"),
        ({"fail_on": "never"}, "input fail-on must be error or warning, not 'never'"),
        ({"upload_sarif": "yes"}, "input upload-sarif must be true or false, not 'yes'"),
    ],
)
def test_bad_inputs_stop_before_validating(
    base: Any, open_pull_request: OpenPR, run_action: RunAction, inputs: dict[str, str], message: str
) -> None:
    checkout = open_pull_request()
    run = run_action(checkout, **inputs)
    assert run.returncode == 2
    assert [step.name for step in run.steps] == ["Resolve options"]
    assert run.stdout == f"::error title=promptgit::{message}\n"


def test_text_format_prints_findings_for_people(undeclared_variable_pr: Any, run_action: RunAction) -> None:
    checkout = undeclared_variable_pr
    run = run_action(checkout, format="text")
    log = run.step("Validate prompts and version rules").stdout.splitlines()
    assert "prompts/greeting.j2:8:28: PG301 variable 'name' is used but not declared in inputs" in log
    assert run.returncode == 1


def test_sarif_is_written_for_upload_and_valid(undeclared_variable_pr: Any, run_action: RunAction) -> None:
    schema_path = os.environ.get("PROMPTGIT_SARIF_SCHEMA")
    if not schema_path:
        pytest.skip("PROMPTGIT_SARIF_SCHEMA is not set (.ci/run sets it): SARIF output not checked")
    import jsonschema

    run = run_action(undeclared_variable_pr, upload_sarif="true")

    sarif_file = Path(run.outputs["sarif-file"])
    assert sarif_file.name == "promptgit.sarif"
    sarif = json.loads(sarif_file.read_text(encoding="utf-8"))
    schema = json.loads(Path(schema_path).read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(sarif)
    results = sarif["runs"][0]["results"]
    assert [(result["ruleId"], result["level"]) for result in results] == [("PG301", "error")]
    location = results[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "prompts/greeting.j2"
    assert location["region"]["startLine"] == 8
    (upload,) = run.skipped_uses
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["if"] == "inputs.upload-sarif == 'true' && steps.sarif.outputs.sarif-file != ''"
    assert upload["with"]["sarif_file"] == "${{ steps.sarif.outputs.sarif-file }}"
    assert run.returncode == 1


def test_without_upload_no_sarif_is_written(
    base: Any, open_pull_request: OpenPR, run_action: RunAction
) -> None:
    checkout = open_pull_request()
    run = run_action(checkout)
    assert run.step("Write SARIF").outputs == {}
    assert run.outputs["sarif-file"] == ""


def test_a_base_ref_missing_from_the_clone_is_a_configuration_error(
    base: Any, open_pull_request: OpenPR, run_action: RunAction
) -> None:
    checkout = open_pull_request()

    run = run_action(checkout, base_ref="origin/release")

    assert [step.name for step in run.steps][-1] == "Fail on findings", "every report step ran"
    assert run.step("Validate prompts and version rules").outputs["exit-code"] == "2"
    assert "unknown revision 'origin/release'" in run.step("Validate prompts and version rules").stderr
    assert run.step("Token report").outputs["exit-code"] == "2"
    assert run.step("Prompt changes").outputs["exit-code"] == "2"
    assert run.step("Prompt tests").outputs["exit-code"] == "2"
    assert run.steps[-1].stdout.splitlines() == [
        "::warning title=promptgit::promptgit diff --changed exited 2 "
        "(no prompt changes in the job summary); its step's log says why",
        "::error title=promptgit::promptgit tokens exited 2 (no token report); reproduce locally with: "
        "promptgit tokens --format markdown --base origin/release",
        "::error title=promptgit::promptgit test exited 2 (no test report); reproduce locally with: "
        "promptgit test --format github --base origin/release",
        "::error title=promptgit::promptgit validate exited 2 (a usage or configuration error, printed in "
        "the validate step's log; a base ref missing from the clone needs actions/checkout with fetch-depth: "
        "0); reproduce locally with: promptgit validate --format github --base origin/release",
    ]
    assert run.returncode == 2


def test_interface_changes_lead_the_job_summary(
    base: Any, open_pull_request: OpenPR, run_action: RunAction
) -> None:
    checkout = open_pull_request()
    checkout.write_prompt(
        "content/hook",
        "1.1.0",
        "Write a {{ tone }} hook about {{ topic }}.\n",
        inputs="\n  topic: {type: string}\n  tone: {type: string}",
        sample="{topic: x, tone: y}",
    )
    checkout.commit("hook takes a tone")

    run = run_action(checkout)

    assert run.returncode == 1  # PG501: a new required input is breaking and 1.1.0 is a minor bump
    assert (
        "title=PG501::content/hook 1.1.0 is too small a bump for the change since its release 1.0.0: "
        "input 'tone' added as required (no default): breaking, needs 2.0.0"
    ) in run.stdout
    assert run.summary.startswith(
        "## Prompt changes since origin/main\n\n"
        "### content/hook 1.0.0 -> 1.1.0\n\n"
        "- **breaking**: input 'tone' added as required (no default)\n"
        "- since its release 1.0.0: needs 2.0.0 (not covered by 1.1.0)\n\n"
        "<details><summary>text diff</summary>\n\n```diff\n"
    )
    assert run.summary.index("```diff") < run.summary.index("### Prompt tokens")


TESTED_HOOK = "Write a hook about {{ topic }}.\nMention bread.\n"
HOOK_TESTS = "cases:\n  - name: mentions bread\n    render: [{type: contains, value: Mention bread}]\n"


def test_prompt_tests_compare_base_and_head_and_a_regression_fails(
    prompt_repo: Any, open_pull_request: OpenPR, run_action: RunAction
) -> None:
    prompt_repo.write_prompt("content/hook", "1.0.0", TESTED_HOOK)
    prompt_repo.write("prompts/content/hook.tests.yaml", HOOK_TESTS)
    prompt_repo.commit("base with tests")
    checkout = open_pull_request()
    checkout.write_prompt("content/hook", "1.0.1", "Write a hook about {{ topic }}.\n")
    checkout.commit("no more bread")

    run = run_action(checkout)

    tests = run.step("Prompt tests")
    assert tests.stdout.splitlines()[0] == "promptgit test --format github --base origin/main"
    assert tests.stdout.splitlines()[1] == (
        "::error file=prompts/content/hook.tests.yaml,line=2,title=promptgit test::content/hook / mentions "
        "bread: contains 'Mention bread': expected the rendered prompt to contain 'Mention bread'"
    )
    assert tests.outputs["exit-code"] == "1"
    assert "| content/hook / mentions bread | ✅ pass | ❌ fail" in run.summary
    assert "-Mention bread." in run.summary  # the rendered diff, with the sample inputs
    assert run.step("Fail on findings").stdout.splitlines()[0] == (
        "::error title=promptgit::promptgit test exited 1 (regressions or failing cases, annotated in its "
        "step and listed in the job summary); reproduce locally with: "
        "promptgit test --format github --base origin/main"
    )
    assert run.returncode == 1


def test_prompt_tests_without_tests_files_pass(
    base: Any, open_pull_request: OpenPR, run_action: RunAction
) -> None:
    checkout = open_pull_request()
    checkout.write_prompt("greeting", "1.1.0", "Hello there, {{ topic }}\n")
    checkout.commit("friendlier greeting")

    run = run_action(checkout)

    assert run.step("Prompt tests").outputs["exit-code"] == "0"
    assert run.returncode == 0
