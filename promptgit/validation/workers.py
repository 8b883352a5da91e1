"""Checking a large library in worker processes: chunks of prompts and the version rules side by side.

The version rules read git and parse every prompt again; run after the file checks they doubled the time
of a large repository, so they are one more task for the pool. Tasks are smaller than a worker's share so
that a worker done early takes the next one, and forked workers inherit the run's checker.
"""

from __future__ import annotations

import signal
from pathlib import Path

from promptgit.findings import Finding
from promptgit.format.prompt import PromptDocument
from promptgit.store.workspace import Workspace
from promptgit.validation.checker import FileChecker

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


def version_findings(
    workspace: Workspace,
    base: str | None,
    paths: list[Path] | None,
    parsed: dict[str, tuple[str, PromptDocument]] | None = None,
) -> list[Finding]:
    from promptgit.validation.version_checks import check_versions

    return list(check_versions(workspace, base, paths, parsed))


def check_in_processes(
    checker: FileChecker, prompts: list[Path], jobs: int, versions: VersionsTask | None
) -> list[Finding]:
    """Every finding of `prompts` (and of the version rules, when asked) from `jobs` worker processes."""
    import multiprocessing

    global _inherited
    count = max(2, min(jobs * TASKS_PER_JOB, len(prompts) // MIN_PROMPTS_PER_TASK))
    chunks = [prompts[index::count] for index in range(count)]
    forking = "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if forking else None)
    _inherited = checker if forking else None
    # Ctrl-C reaches every process of the group; only the run handles it, by terminating the workers, so no
    # worker prints a traceback or goes on with a queued task. SIGINT stays blocked while the workers start
    # (they set it to ignored, then unblock), and a Ctrl-C that came meanwhile reaches the run once unblocked.
    blocked = _block_interrupts()
    try:
        pool = context.Pool(jobs, initializer=_ignore_interrupts)
    except BaseException:
        _unblock_interrupts(blocked)
        _inherited = None
        raise
    try:
        _unblock_interrupts(blocked)
        results = []
        if versions is not None:  # the longest task first
            results.append(pool.apply_async(version_findings, (checker.workspace, *versions)))
        for chunk in chunks:
            task = (checker.workspace, checker.families, checker.sample_memory, chunk)
            results.append(pool.apply_async(_check_in_worker, task))
        found = [item for result in results for item in result.get()]
    except BaseException:  # Ctrl-C, or an error such as an unknown --base: the queued tasks would be in vain
        pool.terminate()
        raise
    finally:
        _inherited = None
    pool.close()
    pool.join()
    return found


def _block_interrupts() -> set[int | signal.Signals] | None:
    if not hasattr(signal, "pthread_sigmask"):
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _unblock_interrupts(previous: set[int | signal.Signals] | None) -> None:
    if previous is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _check_in_worker(
    workspace: Workspace, families: frozenset[str], sample_memory: int | None, prompts: list[Path]
) -> list[Finding]:
    # a forked worker has the run's checker; a spawned one (no fork on this platform) builds its own
    checker = _inherited if _inherited is not None else FileChecker(workspace, families, sample_memory)
    return check_prompts(checker, prompts)
