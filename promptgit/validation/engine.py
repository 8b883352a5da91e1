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
from promptgit.validation.checker import FileChecker
from promptgit.validation.rules import FAMILIES, family_of
from promptgit.validation.targets import collect
from promptgit.workspace import Workspace


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
) -> Report:
    """Like `validate`, and also counts the files checked (for the summary line).

    `jobs` > 1 checks large libraries in that many worker processes (the CLI's default); the library
    default stays in-process, since forking is unsafe in an application that runs threads.
    """
    families = frozenset(FAMILIES) if select is None else frozenset(select)
    targets = collect(workspace, paths)
    found: list[Finding] = []
    if families - {"versions"}:
        chunks = _chunks(targets.prompts, jobs)
        if len(chunks) > 1:
            found.extend(_check_in_processes(workspace, families, chunks))
        else:
            found.extend(_check_prompts(workspace, families, targets.prompts))
        checker = FileChecker(workspace, families)
        for path in targets.partials:
            found.extend(checker.partial(path))
        for path in targets.labels:
            found.extend(checker.labels(path))
    if "versions" in families:
        from promptgit.versioning import check_versions

        found.extend(check_versions(workspace, base, targets.prompts if paths is not None else None))
    return Report(configure(found, workspace, families), len(targets))


# below this many prompts per worker, starting processes costs more than it saves
_MIN_PROMPTS_PER_JOB = 250


def _chunks(prompts: list[Path], jobs: int) -> list[list[Path]]:
    count = max(1, min(jobs, len(prompts) // _MIN_PROMPTS_PER_JOB))
    return [prompts[index::count] for index in range(count)]


def _check_prompts(workspace: Workspace, families: frozenset[str], prompts: list[Path]) -> list[Finding]:
    checker = FileChecker(workspace, families)
    found: list[Finding] = []
    for path in prompts:
        found.extend(checker.prompt(path))
    return found


def _check_in_processes(
    workspace: Workspace, families: frozenset[str], chunks: list[list[Path]]
) -> list[Finding]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    )
    with ProcessPoolExecutor(max_workers=len(chunks), mp_context=context) as pool:
        results = pool.map(_check_prompts, [workspace] * len(chunks), [families] * len(chunks), chunks)
        return [item for result in results for item in result]


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
