"""`promptgit init --ci github`: the pre-commit config and workflows it writes, pinned, and that they run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import git
import pytest
import yaml

from promptgit.cli import main
from promptgit.commands.adoption import CI_TEMPLATES, ci_files, installed_requirement
from promptgit.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.append(str(REPO_ROOT / "tests" / "actions"))
from gha_runner import Contexts, run_steps  # noqa: E402

PIN = "py-promptgit @ git+https://github.com/example/promptgit@0123456789abcdef0123456789abcdef01234567"


def init(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["-C", str(tmp_path), "init", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_init_ci_github_writes_pinned_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = init(tmp_path, capsys, "--ci", "github", "--requirement", PIN)

    assert (code, err) == (0, "")
    assert out.splitlines()[-4:] == [
        "created .github/workflows/prompts.yml",
        "created .github/workflows/release-prompts.yml",
        "initialised a git repository in .",
        "next: promptgit validate && promptgit render examples/summarize@worktree --sample "
        "&& pre-commit install",
    ]
    hooks = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    assert hooks[0]["additional_dependencies"] == [PIN]
    assert hooks[0]["entry"] == "promptgit hooks run pre-commit"
    for workflow in ("prompts.yml", "release-prompts.yml"):
        data = yaml.safe_load((tmp_path / ".github/workflows" / workflow).read_text())
        assert data["env"] == {"PROMPTGIT_REQUIREMENT": PIN}
        install = [
            step
            for job in data["jobs"].values()
            for step in job["steps"]
            if step.get("name") == ("Install promptgit")
        ]
        assert install == [
            {"name": "Install promptgit", "run": 'python -m pip install "$PROMPTGIT_REQUIREMENT"'}
        ]


def test_generated_workflows_pass_the_workflow_schema(tmp_path: Path) -> None:
    for path, text in ci_files(PIN, "prompts"):
        if path.endswith(".yml"):
            (tmp_path / Path(path).name).write_text(text)
    files = sorted(str(path) for path in tmp_path.glob("*.yml"))
    checked = subprocess.run(
        ["check-jsonschema", "--builtin-schema", "vendor.github-workflows", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    for path in files:
        for line in Path(path).read_text().splitlines():
            if line.strip().startswith("- uses:"):
                assert " # v" in line and "@" in line, line  # pinned to a commit, version in a comment


def test_this_repositorys_release_workflow_is_the_template(tmp_path: Path) -> None:
    """release.yml here installs this checkout ('.'); a consumer gets the same file with its pin."""
    released = dict(ci_files(".", "prompts"))[".github/workflows/release-prompts.yml"]
    assert (REPO_ROOT / ".github/workflows/release.yml").read_text() == released
    assert [path for path, _ in CI_TEMPLATES] == [path for path, _ in ci_files(PIN, "prompts")]


@pytest.mark.parametrize("requirement", ["", "a\nb"])
def test_a_requirement_must_be_one_line(requirement: str) -> None:
    with pytest.raises(ConfigError, match="expected one pip requirement"):
        ci_files(requirement, "prompts")


def installed_as(site: Path, monkeypatch: pytest.MonkeyPatch, direct_url: dict[str, Any] | None) -> None:
    """A real dist-info directory for py-promptgit 1.2.3 on sys.path, with pip's direct_url.json record."""
    info = site / "py_promptgit-1.2.3.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: py-promptgit\nVersion: 1.2.3\n")
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url))
    monkeypatch.syspath_prepend(str(site))


@pytest.mark.parametrize(
    ("direct_url", "requirement"),
    [
        (None, "py-promptgit==1.2.3"),
        (
            {
                "url": "https://github.com/example/promptgit",
                "vcs_info": {"vcs": "git", "commit_id": "abc123"},
            },
            "py-promptgit @ git+https://github.com/example/promptgit@abc123",
        ),
        (
            {"url": "https://example.com/py_promptgit-1.2.3.tar.gz", "archive_info": {}},
            "py-promptgit @ https://example.com/py_promptgit-1.2.3.tar.gz",
        ),
    ],
)
def test_installed_requirement_is_what_pip_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, direct_url: dict[str, Any] | None, requirement: str
) -> None:
    installed_as(tmp_path, monkeypatch, direct_url)
    assert installed_requirement() == requirement


def test_a_local_directory_install_has_no_pin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    installed_as(tmp_path, monkeypatch, {"url": "file:///src/promptgit", "dir_info": {"editable": True}})
    with pytest.raises(ConfigError) as raised:
        installed_requirement()
    assert str(raised.value).startswith(
        "promptgit was installed from file:///src/promptgit, which CI cannot install from; pass --requirement"
    )


def test_the_pr_workflow_checks_a_pull_request(tmp_path: Path, prompt_repo: Any) -> None:
    """The generated prompts.yml's steps (after checkout and install) on a base commit and a PR commit."""
    prompt_repo.write_prompt("greeting", "1.0.0", "Hello {{ topic }}\n")
    prompt_repo.commit("base")
    prompt_repo.tag_release("greeting", "1.0.0")
    checkout = tmp_path / "checkout"
    git.Repo.clone_from(str(prompt_repo.root), str(checkout)).git.checkout("-b", "feature")
    (checkout / "prompts/greeting.j2").write_text(
        "---\nversion: 1.0.0\nkind: hook\ninputs:\n  topic: {type: string}\nsample: {topic: tea}\n---\n"
        "Hello {{ topic }}, {{ name }}\n"
    )
    (checkout / "prompts/farewell.j2").write_text(
        "---\nversion: 1.0.0\nkind: hook\ninputs:\n  topic: {type: string}\nsample: {topic: tea}\n---\n"
        "Goodbye, {{ topic }}\n"
    )
    clone = git.Repo(checkout)
    clone.git.add(A=True)
    clone.index.commit("greeting names someone")
    workflow = yaml.safe_load(dict(ci_files(PIN, "prompts"))[".github/workflows/prompts.yml"])
    steps = [step for step in workflow["jobs"]["prompts"]["steps"] if step.get("name") != "Install promptgit"]
    bin_dir = str(Path(sys.executable).parent)  # the installed promptgit stands in for the install step

    run = run_steps(
        steps,
        Contexts({}, {"base_ref": "main"}, {}),
        workdir=checkout,
        runner_dir=tmp_path / "runner",
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "NO_COLOR": "1", **workflow["env"]},
    )

    assert [step.name for step in run.steps] == ["Token report", "Validate prompts and version rules"]
    assert run.step("Token report").returncode == 0
    assert "| `farewell` | 1.0.0 |" in run.summary
    validate = run.step("Validate prompts and version rules")
    assert validate.stdout.splitlines()[0] == "promptgit validate --format github --base origin/main"
    assert (
        "::error file=prompts/greeting.j2,line=8,col=23,title=PG301::variable 'name' is used but not "
        "declared in inputs"
    ) in validate.stdout.splitlines()
    # changed since its release 1.0.0 without a bump
    assert "::error file=prompts/greeting.j2,line=2,col=1,title=PG501::" in validate.stdout
    assert validate.stdout.splitlines()[-1] == "2 files checked: 2 errors in 1 file"
    assert run.returncode == 1
