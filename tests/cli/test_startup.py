"""Start-up: a subcommand imports its own module only; help and usage errors still see every command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from promptgit.cli import COMMANDS, chosen_command

from .helpers import mixed_repo, promptgit_process

# what `validate` must not pay for at start-up: the other commands and the git layer behind them
IMPORTS = """
import json, sys
from promptgit.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def _modules_after(root: Path, *argv: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", IMPORTS, *argv], cwd=root, capture_output=True, text=True, check=False
    )
    modules: set[str] = set(json.loads(done.stderr.splitlines()[-1]))
    return modules


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["validate", "x.j2"], "validate"),
        (["-C", "dir", "validate"], "validate"),
        (["-Cdir", "serve-metrics"], "serve-metrics"),
        (["list"], "list"),
        (["--help"], None),
        (["--version"], None),
        (["-C"], None),
        (["valdate"], None),
        ([], None),
    ],
)
def test_chosen_command(argv: list[str], expected: str | None) -> None:
    assert chosen_command(argv) == expected


def test_validate_imports_no_other_command_and_no_git(tmp_path: Path) -> None:
    modules = _modules_after(mixed_repo(tmp_path), "validate", "--select=parse,schema")

    assert {name for name in modules if name.startswith("promptgit.commands.")} == {
        "promptgit.commands.validate"
    }
    assert "git" not in modules


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = promptgit_process(tmp_path, "--help")

    assert result.code == 0
    listed = [line.split()[0] for line in result.out.splitlines() if line[:4] == "    " and line[4:5].strip()]
    assert listed == list(COMMANDS)


def test_unknown_command_lists_the_choices(tmp_path: Path) -> None:
    result = promptgit_process(tmp_path, "valdate")

    assert result.code == 2
    assert result.err.splitlines()[-1] == (
        "promptgit: error: argument COMMAND: invalid choice: 'valdate' (choose from "
        + ", ".join(repr(name) for name in COMMANDS)
        + ")"
    )


def test_subcommand_help_and_usage_errors(tmp_path: Path) -> None:
    help_result = promptgit_process(tmp_path, "-C", str(tmp_path), "validate", "--help")
    error = promptgit_process(tmp_path, "validate", "--format", "xml")

    assert help_result.code == 0
    assert help_result.out.startswith("usage: promptgit validate [-h]")
    assert error.code == 2
    assert "promptgit validate: error: argument --format: invalid choice: 'xml'" in error.err


def test_validate_in_a_released_repository_runs_the_version_rules_without_gitpython(prompt_repo) -> None:  # type: ignore[no-untyped-def]
    # a pre-commit run: every rule, the version rules against a release included; git is read through
    # promptgit's own cat-file and run_git, and a valid file needs neither jsonschema nor node-semver
    prompt_repo.write_prompt("content/hook", "1.0.0")
    prompt_repo.commit("hook")
    prompt_repo.tag_release("content/hook", "1.0.0")
    prompt_repo.write_prompt("content/hook", "1.0.1", "Hi {{ topic }}\n")
    modules = _modules_after(prompt_repo.root, "validate", "prompts/content/hook.j2")

    assert "promptgit.validation.version_checks" in modules  # the version rules did run
    assert {"git", "jsonschema", "nodesemver"} & modules == set()
