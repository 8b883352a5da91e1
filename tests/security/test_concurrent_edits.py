"""Issue 11, item 8: concurrent `label set` and `bump` never lose an update; a killed writer blocks
nothing; `release --bump --dry-run` writes nothing. Real processes, real git."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import PromptRepo

WRITERS = 12


def start(repo: PromptRepo, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "promptgit", *args],
        cwd=repo.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# imports done, then every writer waits for the same file to appear: they start editing at one moment
RACER = """
import os, sys, time
from promptgit.cli import main
while not os.path.exists(sys.argv[1]):
    time.sleep(0.001)
sys.exit(main(sys.argv[2:]))
"""


def race(repo: PromptRepo, tmp: Path, commands: list[list[str]]) -> list[tuple[int, str]]:
    go = tmp / "go"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(go), *command],
            cwd=repo.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    import time

    time.sleep(1.0)  # not an assertion: lets every racer finish importing before the start signal
    go.write_text("go")
    return finish(processes)


def finish(processes: list[subprocess.Popen[str]]) -> list[tuple[int, str]]:
    results = []
    for process in processes:
        _, err = process.communicate(timeout=300)
        results.append((process.returncode, err))
    return results


def run(repo: PromptRepo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "promptgit", *args],
        cwd=repo.root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def released_library(repo: PromptRepo) -> PromptRepo:
    for number in range(WRITERS):
        repo.write_prompt(f"p{number}", "1.0.0")
    repo.write("prompts/labels.yaml", "# promotions are reviewed commits\nproduction: {}\n")
    repo.commit("library")
    for number in range(WRITERS):
        repo.tag_release(f"p{number}", "1.0.0")
    return repo


def test_concurrent_label_sets_all_land(prompt_repo: PromptRepo, tmp_path: Path) -> None:
    repo = released_library(prompt_repo)
    results = race(repo, tmp_path, [["label", "set", "production", f"p{n}@1.0.0"] for n in range(WRITERS)])
    assert [code for code, _ in results] == [0] * WRITERS, results
    labels = yaml.safe_load((repo.root / "prompts" / "labels.yaml").read_text("utf-8"))
    assert labels["production"] == {f"p{n}": "1.0.0" for n in range(WRITERS)}
    leftovers = [path.name for path in (repo.root / "prompts").iterdir() if path.name.startswith(".")]
    assert leftovers == []


def test_concurrent_bumps_of_one_file_are_all_counted(prompt_repo: PromptRepo, tmp_path: Path) -> None:
    repo = released_library(prompt_repo)
    results = race(repo, tmp_path, [["bump", "p0", "patch"] for _ in range(WRITERS)])
    assert [code for code, _ in results] == [0] * WRITERS, results
    text = (repo.root / "prompts" / "p0.j2").read_text("utf-8")
    assert f"version: 1.0.{WRITERS}\n" in text


def test_a_temporary_file_left_by_a_killed_writer_blocks_nothing(prompt_repo: PromptRepo) -> None:
    repo = released_library(prompt_repo)
    repo.write_prompt("p0", "1.1.0")
    repo.commit("p0 1.1.0")
    # what a `label set` SIGKILLed between writing and renaming leaves behind
    left = repo.root / "prompts" / ".labels.yaml.k1ll3d.promptgit-tmp"
    left.write_text("production:\n  p0: 9.9.9\n", "utf-8")
    released = run(repo, "release", "p0")
    assert released.returncode == 0, released.stderr
    labelled = run(repo, "label", "set", "production", "p0@1.1.0")
    assert labelled.returncode == 0, labelled.stderr
    assert not left.exists()  # the next writer, holding the lock, removed it


def test_a_killed_label_set_leaves_the_file_whole(prompt_repo: PromptRepo) -> None:
    import signal
    import time

    repo = released_library(prompt_repo)
    path = repo.root / "prompts" / "labels.yaml"
    before = path.read_text("utf-8")
    for delay in (0.0, 0.05, 0.1, 0.2, 0.4):
        process = start(repo, "label", "set", "production", "p1@1.0.0")
        time.sleep(delay)  # not a timed assertion: a range of moments to kill it at
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        text = path.read_text("utf-8")
        assert text == before or yaml.safe_load(text)["production"] == {"p1": "1.0.0"}
        path.write_text(before, "utf-8")
    assert run(repo, "label", "set", "production", "p2@1.0.0").returncode == 0
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


def test_release_bump_dry_run_writes_nothing(prompt_repo: PromptRepo) -> None:
    repo = released_library(prompt_repo)
    path: Path = repo.root / "prompts" / "p0.j2"
    before = path.stat()
    content = path.read_bytes()
    result = run(repo, "release", "p0", "--bump", "minor", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "would bump p0 1.0.0 -> 1.1.0" in result.stdout
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns, path.read_bytes()) == (
        before.st_ino,
        before.st_mtime_ns,
        content,
    )
