"""Shared by the validation tests: copy a fixture tree into a temp dir and validate it."""

from __future__ import annotations

import shutil
from pathlib import Path

from promptgit.findings import Finding
from promptgit.reporters.text import line_of
from promptgit.store.workspace import Workspace
from promptgit.validation import validate

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
RULES_DIR = FIXTURES / "rules"
# the rule families this area owns; tokens and versions are tested by their own areas
OWN_FAMILIES = ("parse", "schema", "variables", "security")


def copy_tree(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=True)
    return target


def check(root: Path) -> list[Finding]:
    return validate(Workspace.discover(root), select=OWN_FAMILIES)


def lines(findings: list[Finding]) -> list[str]:
    return [line_of(item) for item in findings]
