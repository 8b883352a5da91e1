"""`promptgit validate`: exact output of every format, exit codes, paths, --select, --strict."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from .helpers import CRITIC, HOOK, mixed_repo, promptgit, promptgit_process, write

OWN = "--select=parse,schema,variables,security"
TEXT = """\
prompts/content/broken.j2:3:11: PG101 YAML front matter: mapping values are not allowed in this context
prompts/review/critic.j2:7:3: PG302 warning: input 'tone' is declared but never used
prompts/review/critic.j2:10:47: PG301 variable 'platform' is used but not declared in inputs
3 files checked: 2 errors, 1 warning in 2 files
"""


def test_text_output_and_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = promptgit(capsys, mixed_repo(tmp_path), "validate", OWN)

    assert (result.code, result.out, result.err) == (1, TEXT, "")


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = promptgit(capsys, mixed_repo(tmp_path), "validate", OWN, "--format", "json")

    document = json.loads(result.out)
    assert result.code == 1
    assert document["summary"] == {"files_checked": 3, "errors": 2, "warnings": 1}
    assert document["findings"][1] == {
        "path": "prompts/review/critic.j2",
        "line": 7,
        "column": 3,
        "code": "PG302",
        "severity": "warning",
        "message": "input 'tone' is declared but never used",
    }
    assert [item["code"] for item in document["findings"]] == ["PG101", "PG302", "PG301"]


def test_github_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "prompts/a.j2", HOOK.replace("{{ topic }}.", "{{ topic }}, {{ b }}"))

    result = promptgit(capsys, tmp_path, "validate", OWN, "--format", "github")

    assert result.out == (
        "::error file=prompts/a.j2,line=9,col=45,title=PG301::"
        "variable 'b' is used but not declared in inputs\n"
        "1 file checked: 1 error in 1 file\n"
    )


def test_github_escapes_properties_and_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "prompts/a,b.j2", "---\nversion: 1.0.0\nkind: hook\nx: 1\n---\n100%\n")

    result = promptgit(capsys, tmp_path, "validate", OWN, "--format", "github")

    assert result.out.splitlines()[0] == (
        "::error file=prompts/a%2Cb.j2,line=4,col=1,title=PG201::unknown key 'x' (allowed: version, kind, "
        "description, model, token_budget, inputs, sample, params, output, cache, timeout, serve, tags, "
        "owner)"
    )


def test_sarif_validates_against_the_official_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema_path = os.environ.get("PROMPTGIT_SARIF_SCHEMA")
    if not schema_path:
        pytest.skip("PROMPTGIT_SARIF_SCHEMA is not set: no official SARIF 2.1.0 schema to validate against")
    result = promptgit(capsys, mixed_repo(tmp_path), "validate", OWN, "--format", "sarif")

    document = json.loads(result.out)
    schema = json.loads(Path(schema_path).read_text("utf-8"))
    jsonschema.validate(document, schema, cls=jsonschema.validators.validator_for(schema))
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = [
        (
            rules[item["ruleIndex"]]["id"],
            item["level"],
            item["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            item["locations"][0]["physicalLocation"]["region"],
        )
        for item in run["results"]
    ]
    assert results == [
        ("PG101", "error", "prompts/content/broken.j2", {"startLine": 3, "startColumn": 11}),
        ("PG302", "warning", "prompts/review/critic.j2", {"startLine": 7, "startColumn": 3}),
        ("PG301", "error", "prompts/review/critic.j2", {"startLine": 10, "startColumn": 47}),
    ]
    assert all(rule["help"]["text"] for rule in rules)


def test_clean_repository_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "prompts/content/hook.j2", HOOK)

    result = promptgit(capsys, tmp_path, "validate")

    assert (result.code, result.out) == (0, "1 file checked: no problems\n")


def test_warnings_alone_exit_0_unless_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "prompts/review/critic.j2", CRITIC.replace("{{ platform }}", "TikTok"))
    expected = (
        "prompts/review/critic.j2:7:3: PG302 warning: input 'tone' is declared but never used\n"
        "1 file checked: 1 warning in 1 file\n"
    )

    assert promptgit(capsys, tmp_path, "validate", OWN).out == expected
    assert promptgit(capsys, tmp_path, "validate", OWN).code == 0
    assert promptgit(capsys, tmp_path, "validate", OWN, "--strict").code == 1


def test_config_rules_change_severity_and_turn_rules_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mixed_repo(tmp_path)
    write(tmp_path, "promptgit.yaml", "kinds: [hook, critic]\nrules: {PG302: error, PG301: 'off'}\n")

    result = promptgit(capsys, tmp_path, "validate", OWN)

    assert (
        result.out.splitlines()[1]
        == "prompts/review/critic.j2:7:3: PG302 input 'tone' is declared but never used"
    )
    assert "PG301" not in result.out


def test_paths_validate_only_those_files_and_ignore_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mixed_repo(tmp_path)
    write(tmp_path, "README.md", "not a prompt\n")

    result = promptgit(
        capsys, tmp_path, "validate", OWN, "prompts/content/hook.j2", "README.md", "promptgit.yaml"
    )

    assert (result.code, result.out) == (0, "1 file checked: no problems\n")


def test_missing_path_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = promptgit(capsys, mixed_repo(tmp_path), "validate", "prompts/nope.j2")

    assert (result.code, result.out) == (2, "")
    assert result.err == "promptgit: error: prompts/nope.j2: no such file or directory\n"


def test_unknown_family_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = promptgit(capsys, mixed_repo(tmp_path), "validate", "--select", "parse,typos")

    assert result.code == 2
    assert result.err == (
        "promptgit: error: --select: unknown family typos; "
        "choose from parse,schema,variables,tokens,versions,security\n"
    )


def test_invalid_config_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mixed_repo(tmp_path)
    write(tmp_path, "promptgit.yaml", "kinds: [Hook]\n")

    result = promptgit(capsys, tmp_path, "validate")

    assert result.code == 2
    assert result.err.startswith("promptgit: error: promptgit.yaml: kinds/0:")
    assert result.err.count("\n") == 1


def test_select_versions_runs_no_file_rules(prompt_repo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """What the `promptgit-versions` pre-commit hook runs: a broken file is not its business."""
    prompt_repo.write_prompt("content/hook", "1.0.0")
    prompt_repo.commit("first")
    write(prompt_repo.root, "prompts/content/broken.j2", "not a prompt {{\n")

    result = promptgit(capsys, prompt_repo.root, "validate", "--select", "versions", "--base", "HEAD")

    assert (result.code, result.out) == (0, "2 files checked: no problems\n")


def test_as_a_real_process(tmp_path: Path) -> None:
    mixed_repo(tmp_path)

    result = promptgit_process(tmp_path, "validate", OWN)

    assert (result.code, result.out, result.err) == (1, TEXT, "")


def test_ignored_files_are_not_validated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mixed_repo(tmp_path)
    write(
        tmp_path,
        "promptgit.yaml",
        "kinds: [hook, critic]\nignore: ['prompts/content/broken.j2', 'prompts/review/*']\n",
    )

    result = promptgit(capsys, tmp_path, "validate", OWN)

    assert (result.code, result.out) == (0, "1 file checked: no problems\n")
