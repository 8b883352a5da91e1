"""Checking a large library in worker processes: chunks of prompts and the version rules side by side.

The version rules read git and parse every prompt again; run after the file checks they doubled the time
of a large repository, so they are one more task for the pool. Tasks are smaller than a worker's share so
that a worker done early takes the next one, and forked workers inherit the run's checker.
"""

from __future__ import annotations

from pathlib import Path

from promptgit.errors import PromptgitError
from promptgit.findings import Finding
from promptgit.validation.checker import FileChecker
from promptgit.workspace import Workspace

# below this many prompts per task, forking costs more than it saves (measured: the break-even is about
# 30 prompts in all, since a forked worker inherits the checker and starts in a few milliseconds)
MIN_PROMPTS_PER_TASK = 50
TASKS_PER_JOB = 4

VersionsTask = tuple[str | None, list[Path] | None]  # base ref, and the prompts to check (None: all)

# the checker a forked worker inherits from the run that started it (built once, imports done)
_inherited: FileChecker | None = None


def worth_forking(prompts: list[Path], jobs: int) -> bool:
    return jobs > 1 and len(prompts) >= 2 * MIN_PROMPTS_PER_TASK


def check_prompts(checker: FileChecker, prompts: list[Path]) -> list[Finding]:
    found: list[Finding] = []
    for path in prompts:
        found.extend(checker.prompt(path))
    return found


def version_findings(workspace: Workspace, base: str | None, paths: list[Path] | None) -> list[Finding]:
    from promptgit.versioning import check_versions

    return list(check_versions(workspace, base, paths))


def check_in_processes(
    checker: FileChecker, prompts: list[Path], jobs: int, versions: VersionsTask | None
) -> list[Finding]:
    """Every finding of `prompts` (and of the version rules, when asked) from `jobs` worker processes."""
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor

    global _inherited
    count = max(2, min(jobs * TASKS_PER_JOB, len(prompts) // MIN_PROMPTS_PER_TASK))
    chunks = [prompts[index::count] for index in range(count)]
    forking = "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if forking else None)
    _inherited = checker if forking else None
    try:
        with ProcessPoolExecutor(
            max_workers=jobs, mp_context=context, initializer=_stop_on_interrupt
        ) as pool:
            futures: list[Future[list[Finding]]] = []
            if versions is not None:  # the longest task first
                futures.append(pool.submit(version_findings, checker.workspace, *versions))
            for chunk in chunks:
                futures.append(pool.submit(_check_in_worker, checker.workspace, checker.families, chunk))
            try:
                return [item for future in futures for item in future.result()]
            except PromptgitError:  # e.g. an unknown --base: the tasks not started yet would be in vain
                for future in futures:
                    future.cancel()
                raise
    finally:
        _inherited = None


def _stop_on_interrupt() -> None:
    # Ctrl-C reaches every process of the group: a worker that only failed its task would go on with the
    # next one queued, and the run would wait for it
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _check_in_worker(workspace: Workspace, families: frozenset[str], prompts: list[Path]) -> list[Finding]:
    # a forked worker has the run's checker; a spawned one (no fork on this platform) builds its own
    checker = _inherited if _inherited is not None else FileChecker(workspace, families)
    return check_prompts(checker, prompts)
