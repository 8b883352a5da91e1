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
        checker = FileChecker(workspace, families)
        chunks = _chunks(targets.prompts, jobs)
        if len(chunks) > 1:
            found.extend(_check_in_processes(checker, chunks))
        else:
            found.extend(_check_prompts(checker, targets.prompts))
        for path in targets.partials:
            found.extend(checker.partial(path))
        for path in targets.labels:
            found.extend(checker.labels(path))
    if "versions" in families:
        from promptgit.versioning import check_versions

        found.extend(check_versions(workspace, base, targets.prompts if paths is not None else None))
    return Report(configure(found, workspace, families), len(targets))


# below this many prompts per worker, forking costs more than it saves (measured: even at ~30 prompts
# in all; a forked worker inherits the checker, so it starts in a few milliseconds)
_MIN_PROMPTS_PER_JOB = 50


def _chunks(prompts: list[Path], jobs: int) -> list[list[Path]]:
    count = max(1, min(jobs, len(prompts) // _MIN_PROMPTS_PER_JOB))
    return [prompts[index::count] for index in range(count)]


def _check_prompts(checker: FileChecker, prompts: list[Path]) -> list[Finding]:
    found: list[Finding] = []
    for path in prompts:
        found.extend(checker.prompt(path))
    return found


# the checker a forked worker inherits from the run that started it (built once, imports done)
_inherited: FileChecker | None = None


def _check_in_worker(workspace: Workspace, families: frozenset[str], prompts: list[Path]) -> list[Finding]:
    # a forked worker has the run's checker; a spawned one (no fork on this platform) builds its own
    checker = _inherited if _inherited is not None else FileChecker(workspace, families)
    return _check_prompts(checker, prompts)


def _check_in_processes(checker: FileChecker, chunks: list[list[Path]]) -> list[Finding]:
    """The first chunk in this process while forked workers check the others (one process per core)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _inherited
    forking = "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if forking else None)
    others = chunks[1:]
    _inherited = checker if forking else None
    try:
        with ProcessPoolExecutor(max_workers=len(others), mp_context=context) as pool:
            count = len(others)
            results = pool.map(
                _check_in_worker, [checker.workspace] * count, [checker.families] * count, others
            )
            found = _check_prompts(checker, chunks[0])
            found.extend(item for result in results for item in result)
            return found
    finally:
        _inherited = None


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
