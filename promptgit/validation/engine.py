"""The validation engine: collect the files, run every rule family on each, apply the configuration.

One run builds the sandboxed environment, the schema validators and the template cache once, then checks
every file completely: a broken file yields its findings and never hides the findings of another.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from promptgit.errors import ConfigError
from promptgit.findings import Finding, Severity
from promptgit.store.workspace import Workspace
from promptgit.validation.checker import FileChecker
from promptgit.validation.rules import FAMILIES, family_of
from promptgit.validation.targets import collect
from promptgit.validation.testfiles import tests_file_findings
from promptgit.validation.workers import (
    VersionsTask,
    check_in_processes,
    check_prompts,
    version_findings,
    worth_forking,
)


@dataclass(frozen=True)
class Report:
    """The result of one run: findings (sorted, configured severities) and how many files were checked."""

    findings: list[Finding]
    files_checked: int

    @property
    def errors(self) -> int:
        return sum(1 for item in self.findings if item.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for item in self.findings if item.severity is Severity.WARNING)


def parse_select(text: str | None) -> frozenset[str]:
    """`parse,schema` -> the families to run; None or empty -> all of them."""
    if not text:
        return frozenset(FAMILIES)
    chosen = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = sorted(chosen - set(FAMILIES))
    if unknown:
        raise ConfigError(
            f"--select: unknown famil{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; "
            f"choose from {','.join(FAMILIES)}"
        )
    return chosen


def validate(
    workspace: Workspace,
    paths: Sequence[Path] | None = None,
    *,
    base: str | None = None,
    select: Iterable[str] | None = None,
) -> list[Finding]:
    """Validate the whole repository (or only `paths`); every finding, sorted, with configured severity."""
    return run(workspace, paths, base=base, select=select).findings


def run(
    workspace: Workspace,
    paths: Sequence[Path] | None = None,
    *,
    base: str | None = None,
    select: Iterable[str] | None = None,
    jobs: int = 1,
    sample_memory: int | None = None,
) -> Report:
    """Like `validate`, and also counts the files checked (for the summary line).

    `jobs` > 1 checks large libraries in that many worker processes (the CLI's default); the library
    default stays in-process, since forking is unsafe in an application that runs threads.
    `sample_memory` caps the memory each sample render may add (bounded.memory_limit); it holds
    for the whole process while a render runs, so it is the CLI's to set, not an application's.
    """
    families = frozenset(FAMILIES) if select is None else frozenset(select)
    targets = collect(workspace, paths)
    versions: VersionsTask | None = None
    if "versions" in families and workspace.in_git_repository:  # outside git they have nothing to compare
        versions = (base, targets.prompts if paths is not None else None)
    checker = FileChecker(workspace, families, sample_memory) if families - {"versions"} else None
    found: list[Finding] = []
    if checker is not None and worth_forking(targets.prompts, jobs):
        found.extend(check_in_processes(checker, targets.prompts, jobs, versions))
    else:
        if checker is not None:
            checker.documents = {} if versions is not None else None
            found.extend(check_prompts(checker, targets.prompts))
        if versions is not None:
            parsed = checker.documents if checker is not None else None
            found.extend(version_findings(workspace, *versions, parsed=parsed))
    if checker is not None:
        for path in targets.partials:
            found.extend(checker.partial(path))
        for path in targets.labels:
            found.extend(checker.labels(path))
        for path in targets.tests:
            found.extend(tests_file_findings(workspace, path))
    return Report(configure(found, workspace, families), len(targets))


def configure(found: Iterable[Finding], workspace: Workspace, families: frozenset[str]) -> list[Finding]:
    """Drop unselected families and rules turned off; apply configured severities; sort."""
    config = workspace.config
    result: set[Finding] = set()
    for item in found:
        family = family_of(item.code)
        if family != "other" and family not in families:
            continue
        severity = config.severity(item.code, item.severity)
        if severity is Severity.OFF:
            continue
        result.add(item if severity is item.severity else _with_severity(item, severity))
    return sorted(result)


def _with_severity(item: Finding, severity: Severity) -> Finding:
    return Finding(item.path, item.line, item.column, item.code, item.message, severity)
