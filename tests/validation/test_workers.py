"""Worker processes: prompt chunks and the version rules side by side find what one process finds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from promptgit.errors import GitError
from promptgit.store.workspace import Workspace
from promptgit.validation import run
from promptgit.validation.workers import MIN_PROMPTS_PER_TASK, worth_forking

COUNT = 2 * MIN_PROMPTS_PER_TASK + 10


def _library(repo: Any) -> Workspace:
    for number in range(COUNT):
        repo.write_prompt(f"group{number % 4}/p{number:03}", "1.0.0")
    repo.commit("library")
    for number in range(COUNT):
        repo.git.git.tag(f"prompts/group{number % 4}/p{number:03}/v1.0.0")
    for number in range(0, COUNT, 9):  # changed after the release without a bump: PG501
        repo.write_prompt(f"group{number % 4}/p{number:03}", "1.0.0", "Changed {{ topic }}\n")
    repo.write_prompt("group1/p001", "1.0.0", "Hello {{ topik }}\n")  # PG301, PG302 and PG501
    return Workspace.discover(repo.root)


def test_workers_and_one_process_find_the_same_with_the_version_rules(prompt_repo: Any) -> None:
    workspace = _library(prompt_repo)

    serial = run(workspace, base="HEAD")
    parallel = run(workspace, base="HEAD", jobs=2)

    assert parallel == serial
    codes = [item.code for item in serial.findings]
    assert codes.count("PG501") == len(range(0, COUNT, 9)) + 1
    assert {"PG301", "PG302"} <= set(codes)


def test_a_bad_base_ref_is_a_one_line_error_from_a_worker_too(prompt_repo: Any) -> None:
    workspace = _library(prompt_repo)

    with pytest.raises(GitError) as serial:
        run(workspace, base="no-such-ref")
    with pytest.raises(GitError) as parallel:
        run(workspace, base="no-such-ref", jobs=2)

    assert str(parallel.value) == str(serial.value)


@pytest.mark.parametrize(
    ("prompts", "jobs", "expected"),
    [(2 * MIN_PROMPTS_PER_TASK, 2, True), (2 * MIN_PROMPTS_PER_TASK - 1, 2, False), (1000, 1, False)],
)
def test_forking_only_pays_off_for_enough_prompts(prompts: int, jobs: int, expected: bool) -> None:
    assert worth_forking([Path(f"p{number}.j2") for number in range(prompts)], jobs) is expected
