"""Issue 11 acceptance: the hostile corpus through validate, render, tokens, the loader and both pre-commit
hooks. 0 tracebacks, 0 hangs (every run has a timeout), bounded memory, one line per failure naming the
file or the part, exit codes 1/2 as documented."""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT, PromptRepo
from tests.security import corpus

TIMEOUT = 120  # seconds per run; a hang fails the test instead of hanging it
MEMORY = 3 * 1024**3  # address space of each run: a flood of /dev/zero or a 50 MB file must fit easily
FINDING = re.compile(r"^\S.*?:\d+:\d+: PG\d{3} \S.*$")
SUMMARY = re.compile(r"^\d+ files? checked: .*$")
PRIVATE_ERROR = re.compile(r"\b_[A-Z]\w*(Error|Exception)\b")  # jsonschema's _WrappedReferencingError


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run(cwd: Path, *argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT), **(env or {})}
    try:
        return subprocess.run(
            list(argv),
            cwd=cwd,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=TIMEOUT,
            env=environment,
            preexec_fn=_limits,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"hung for {TIMEOUT} s: {' '.join(a[:40] for a in argv)}")


def assert_clean_failure(result: subprocess.CompletedProcess[str], what: str) -> None:
    shown = f"{what}: exit {result.returncode}\n{result.stderr[-2000:]}"
    assert "Traceback" not in result.stderr + result.stdout, shown
    assert result.returncode in (0, 1, 2), shown
    assert not PRIVATE_ERROR.search(result.stderr), f"{what}: a library's internal exception leaked: {shown}"
    for line in result.stderr.splitlines():
        assert line.startswith("promptgit: "), f"{what}: not one promptgit line: {line[:200]!r}"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> PromptRepo:
    base = tmp_path_factory.mktemp("hostile")
    return corpus.build(PromptRepo(base / "repo"), base / "outside")


def test_validate_names_every_hostile_file_in_one_line_each_and_checks_the_good_ones(hostile) -> None:
    result = run(hostile.root, sys.executable, "-m", "promptgit", "validate")
    assert_clean_failure(result, "validate")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert all(FINDING.match(line) or SUMMARY.match(line) for line in lines), lines
    named = {line.split(":", 1)[0] for line in lines if FINDING.match(line)}
    for path, item in corpus.FILES.items():
        assert path.replace("\n", "\\n") in named, f"item {item}: {path!r} not reported"
    assert not any(line.startswith(("prompts/good.j2", "prompts/outside/ok.j2")) for line in lines)
    assert all(len(line) < 2000 for line in lines)  # a 5000-digit value is not echoed whole


@pytest.mark.parametrize(("argv", "item"), corpus.cli_runs(), ids=lambda value: str(value)[:40])
def test_every_command_fails_cleanly_on_hostile_input(hostile, argv: list[str], item: str) -> None:
    result = run(hostile.root, sys.executable, "-m", "promptgit", *argv)
    assert_clean_failure(result, item)
    if argv[0] in ("bump", "label", "release", "show", "diff", "versions", "log", "render") and argv[1] in (
        corpus.NAMES
    ):
        assert result.returncode == 2, f"{item}: accepted a hostile name"
        assert "invalid prompt name" in result.stderr, result.stderr[:300]


def test_hostile_names_write_nothing_outside_the_repository(hostile, tmp_path: Path) -> None:
    target = tmp_path / "victim.j2"
    target.write_text(corpus.FRONT + "untouched\n", "utf-8")
    relative = os.path.relpath(target.with_suffix(""), hostile.root / "prompts")
    result = run(hostile.root, sys.executable, "-m", "promptgit", "bump", relative, "major")
    assert result.returncode == 2 and "invalid prompt name" in result.stderr
    assert target.read_text("utf-8").endswith("untouched\n") and "version: 1.0.0" in target.read_text("utf-8")


def test_the_loader_never_crashes_reads_outside_or_floods_memory(hostile, tmp_path: Path) -> None:
    result = run(hostile.root, sys.executable, "-c", corpus.LOADER_SCRIPT, str(hostile.root), str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.splitlines()[-1])
    outcomes = {row[0]: row for row in report["results"]}
    crashes = [row for row in report["results"] if row[1] == "CRASH"]
    assert crashes == []
    assert not PRIVATE_ERROR.search(result.stdout), result.stdout[-2000:]
    assert [row for row in report["results"] if len(row) > 3 and row[3]] == []  # one-line messages
    for name in ("fifo", "zero", "urandom", "big", "escape", "out/x", "out/secret", "loop"):
        assert outcomes[f"{name}@worktree"][1] != "ok", (
            f"{name}@worktree was read: {outcomes[name + '@worktree']}"
        )
    assert "outside the repository" not in result.stdout
    assert outcomes["good@worktree"][1:3] == ["ok", "Hello x"]
    assert outcomes["Selector ../ worktree"][1] == "SelectorError"
    assert all(outcomes[label][1] == "GitError" for label in outcomes if label.startswith("clone"))
    assert not Path("/tmp/promptgit-pwned").exists()
    assert report["peak_kib"] < 400 * 1024  # the 50 MB file and /dev/zero were never read whole


def test_the_plain_git_hook_reports_the_staged_corpus(hostile) -> None:
    hook = REPO_ROOT / "hooks" / "pre-commit"
    scripts = Path(sys.executable).parent
    # every tracked hostile file staged as changed
    for path in (
        "prompts/bigint.j2",
        "prompts/upper.j2",
        "prompts/dup.j2",
        "prompts/ref.j2",
        "prompts/labels.yaml",
    ):
        with (hostile.root / path).open("a", encoding="utf-8") as stream:
            stream.write("\n")
    hostile.git.git.add("-u")
    try:
        result = run(
            hostile.root, "sh", str(hook), env={"PATH": f"{scripts}{os.pathsep}{os.environ['PATH']}"}
        )
        assert_clean_failure(result, "hooks/pre-commit")
        assert result.returncode == 1
        output = result.stdout + result.stderr
        assert "prompts/upper.j2" in output and "PG107" in output
    finally:
        hostile.git.git.reset("-q", "--hard")


def test_the_pre_commit_framework_hooks_report_the_corpus(hostile, tmp_path: Path) -> None:
    if shutil.which("pre-commit") is None:
        pytest.skip("pre-commit is not installed (it is in the test extra)")
    manifest = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    # this repository's own hook definitions, run as local hooks (no clone, no virtualenv to build)
    hooks = [
        {**hook, "language": "system", "entry": f"{sys.executable} -m {hook['entry']}"} for hook in manifest
    ]
    config = hostile.root / ".pre-commit-config.yaml"
    config.write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}), "utf-8")
    env = {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_CONFIG_NOSYSTEM": "1"}
    try:
        result = run(hostile.root, "pre-commit", "run", "--all-files", env=env)
    finally:
        config.unlink()
    assert "Traceback" not in result.stdout + result.stderr, result.stdout[-3000:]
    assert result.returncode == 1, result.stdout[-3000:]
    assert "PG107" in result.stdout and "prompts/upper.j2" in result.stdout


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        (
            f"max_file_bytes: {corpus.HUGE}\n",
            "promptgit.yaml:1: invalid YAML: integer with 5000 digits is too large",
        ),
        (
            "max_file_bytes: 1000\nprompts_dir: prompts\nmax_file_bytes: 2000\n",
            "duplicate key 'max_file_bytes'",
        ),
    ],
)
def test_a_hostile_promptgit_yaml_is_one_configuration_error(
    tmp_path: Path, config: str, problem: str
) -> None:
    repo = PromptRepo(tmp_path / "repo")
    repo.write("prompts/good.j2", corpus.FRONT + "Hello {{ topic }}\n")
    (repo.root / "promptgit.yaml").write_text(config, "utf-8")
    for command in (["validate"], ["tokens"], ["render", "good@worktree", "--sample"], ["list"]):
        result = run(repo.root, sys.executable, "-m", "promptgit", *command)
        assert_clean_failure(result, f"promptgit.yaml to {command[0]}")
        assert result.returncode == 2
        assert result.stderr.count("\n") == 1 and problem in result.stderr, result.stderr
