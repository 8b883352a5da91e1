"""Engine behaviour beyond single rules: what blocks what, families, and the library API."""

from __future__ import annotations

from pathlib import Path

from promptgit.findings import Severity
from promptgit.store.workspace import Workspace
from promptgit.validation import run, validate

from .helpers import OWN_FAMILIES, lines

PROMPT = """---
version: 1.0.0
kind: hook
{extra}inputs:
  topic: {{type: string}}
sample: {{topic: sourdough}}
---
{body}
"""


def _repo(tmp_path: Path, extra: str = "", body: str = "Hello {{ topic }}") -> Workspace:
    path = tmp_path / "prompts" / "hook.j2"
    path.parent.mkdir(parents=True)
    path.write_text(PROMPT.format(extra=extra, body=body))
    return Workspace.discover(tmp_path)


def test_a_typo_in_a_key_does_not_hide_the_sample_render(tmp_path: Path) -> None:
    workspace = _repo(tmp_path, extra="descripton: typo\n", body="{{ topic + 1 }}")

    assert [item.code for item in validate(workspace, select=OWN_FAMILIES)] == ["PG201", "PG306"]


def test_broken_inputs_skip_the_sample_checks(tmp_path: Path) -> None:
    path = tmp_path / "prompts" / "hook.j2"
    path.parent.mkdir(parents=True)
    path.write_text(
        "---\nversion: 1.0.0\nkind: hook\ninputs:\n  topic: {type: strng}\nsample: {}\n---\n{{ topic }}\n"
    )

    found = validate(Workspace.discover(tmp_path), select=OWN_FAMILIES)

    assert lines(found) == [
        "prompts/hook.j2:5:11: PG201 inputs.topic.type: 'strng' is not one of "
        "['string', 'integer', 'number', 'boolean', 'array', 'object', 'null']"
    ]


def test_select_reports_only_the_chosen_families(tmp_path: Path) -> None:
    workspace = _repo(
        tmp_path, extra="descripton: typo\n", body="{{ other }} sk-abcdefghijklmnopqrstuvwxyz0123"
    )

    assert {item.code for item in validate(workspace, select=["schema"])} == {"PG201"}
    assert {item.code for item in validate(workspace, select=["security"])} == {"PG601"}
    assert {item.code for item in validate(workspace, select=["variables"])} == {"PG301", "PG302"}


def test_report_counts(tmp_path: Path) -> None:
    report = run(_repo(tmp_path, body="{{ other }}"), select=OWN_FAMILIES)

    assert (report.files_checked, report.errors, report.warnings) == (1, 1, 1)
    assert [item.severity for item in report.findings] == [Severity.WARNING, Severity.ERROR]
