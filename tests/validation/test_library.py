"""The repository's own example library validates clean; a broken copy reports every problem in one run."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from promptgit.store.workspace import Workspace
from promptgit.validation import run, validate

from .helpers import OWN_FAMILIES

REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def _library_copy(target: Path) -> Path:
    shutil.copytree(REPO_ROOT / "prompts", target / "prompts")
    if (REPO_ROOT / "promptgit.yaml").is_file():
        shutil.copy(REPO_ROOT / "promptgit.yaml", target / "promptgit.yaml")
    return target


def test_example_library_is_clean(tmp_path: Path) -> None:
    """Everything but the version rules, which depend on the history, not on the files."""
    root = _library_copy(tmp_path / "repo")

    findings = validate(Workspace.discover(root), select=(*OWN_FAMILIES, "tokens"))

    assert [item.format() for item in findings] == []


def _edit(path: Path, pattern: str, replacement: str) -> None:
    text = path.read_text("utf-8")
    changed, count = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
    assert count == 1, f"{path}: {pattern!r} not found; the breakage needs a different target"
    path.write_text(changed, "utf-8")


def test_broken_copy_reports_every_problem_in_one_run(tmp_path: Path) -> None:
    root = _library_copy(tmp_path / "repo")
    prompts = sorted((root / "prompts").rglob("*.j2"))
    own = [path for path in prompts if "partials" not in path.parts]
    partials = [path for path in prompts if "partials" in path.parts]
    if len(own) < 8 or not partials:
        pytest.fail("the example library needs at least 8 prompts and a partial for this test")
    _edit(own[0], r"^version: .*$", "version: [1.0")  # PG101
    _edit(own[1], r"\{\{ ?", "{{ undeclared_input ~ ")  # PG301
    own[2].write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")  # PG103
    _edit(own[3], r"^inputs:\n", "inputs:\n  never_used: {type: string, required: false}\n")  # PG302
    _edit(own[4], r"^kind: .*$", "kind: limerick")  # PG202
    own[5].write_text(own[5].read_text("utf-8") + '{% include "partials/missing.j2" %}\n', "utf-8")  # PG105
    own[6].write_text(own[6].read_text("utf-8") + "{# sk-live0123456789abcdefghijklmn #}\n", "utf-8")  # PG601
    own[7].write_text(own[7].read_text("utf-8") + "{% set leak = ''.__class__ %}\n", "utf-8")  # PG602
    partials[0].write_text(partials[0].read_text("utf-8") + "{% if %}\n", "utf-8")  # PG102
    (root / "prompts/labels.yaml").write_text("Production: {}\n", "utf-8")  # PG203

    findings = validate(Workspace.discover(root), select=OWN_FAMILIES)

    expected = {
        (own[0], "PG101"),
        (own[1], "PG301"),
        (own[2], "PG103"),
        (own[3], "PG302"),
        (own[4], "PG202"),
        (own[5], "PG105"),
        (own[6], "PG601"),
        (own[7], "PG602"),
        (partials[0], "PG102"),
        (root / "prompts/labels.yaml", "PG203"),
    }
    reported = {(root / item.path, item.code) for item in findings}
    assert expected <= reported, sorted(expected - reported)
    assert all(item.line >= 1 and item.column >= 1 for item in findings)


def test_worker_processes_find_the_same_as_one_process(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    for number in range(520):
        body = "Hello {{ topic }}\n" if number % 7 else "Hello {{ topik }}\n"  # every 7th: PG301 and PG302
        path = root / "prompts" / f"p{number:03}.j2"
        path.parent.mkdir(parents=True, exist_ok=True)
        front = (
            f"version: 1.0.{number}\nkind: hook\ninputs:\n  topic: {{type: string}}\nsample: {{topic: x}}\n"
        )
        path.write_text(f"---\n{front}---\n{body}")
    workspace = Workspace.discover(root)

    serial = run(workspace, select=OWN_FAMILIES)
    parallel = run(workspace, select=OWN_FAMILIES, jobs=2)

    assert parallel == serial
    assert (serial.files_checked, serial.errors, serial.warnings) == (520, 75, 75)
