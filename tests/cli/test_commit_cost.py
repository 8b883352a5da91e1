"""A commit costs what it changes: the pre-commit hook judges the staged prompts, the prompts that include a
staged partial and the label entries the commit touches, and lists only their tags (issue 23 item 1).
Counted in work done (files parsed, tag listings, sorts), never timed."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

import promptgit.format.prompt as prompt_module
import promptgit.store.gitstore as gitstore_module
from promptgit.cli import main
from promptgit.sources.git_objects import GitObjects

NAMES = ("a", "b", "c", "d", "e", "f")
INCLUDES = {"a": '{% include "partials/voice.j2" %}\n', "b": '{% include "partials/outer.j2" %}\n'}


@pytest.fixture
def library(prompt_repo: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Six prompts released at 1.0.0 and 1.1.0; a includes voice.j2, b includes it through outer.j2;
    production labels every prompt, and an old entry (staging f 9.9.9) names an unreleased version."""
    prompt_repo.write("prompts/partials/voice.j2", "Be brief.")
    prompt_repo.write("prompts/partials/outer.j2", '{% include "partials/voice.j2" %}')
    for version in ("1.0.0", "1.1.0"):
        for name in NAMES:
            prompt_repo.write_prompt(
                name, version, INCLUDES.get(name, "") + f"Hi {{{{ topic }}}} {version}\n"
            )
        prompt_repo.commit(version)
        for name in NAMES:
            prompt_repo.tag_release(name, version)
    production = "".join(f"  {name}: 1.1.0\n" for name in NAMES)
    prompt_repo.write("prompts/labels.yaml", f"production:\n{production}staging:\n  f: 9.9.9\n")
    prompt_repo.commit("labels, one of them wrong")
    monkeypatch.chdir(prompt_repo.root)
    monkeypatch.setenv("GIT_INDEX_FILE", str(prompt_repo.root / ".git" / "index"))  # as in a commit
    return prompt_repo


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """What the hook does: prompt files parsed, `for-each-ref --merged` patterns, tag lists sorted."""
    done: dict[str, list[Any]] = {"parsed": [], "listed": [], "sorted": [], "git": []}
    real_split, real_run_git, real_sort = (
        prompt_module.split,
        GitObjects.run_git,
        gitstore_module.sort_versions,
    )

    def split(path: str, text: str) -> Any:
        done["parsed"].append(path)
        return real_split(path, text)

    def run_git(self: GitObjects, *args: str, **kwargs: Any) -> Any:
        done["git"].append(args[0])
        if args[:2] == ("for-each-ref", "--merged=HEAD"):
            done["listed"].append(list(args[3:]))
        return real_run_git(self, *args, **kwargs)

    def sort_versions(versions: Any) -> list[str]:
        done["sorted"].append(sorted(versions))
        return real_sort(versions)

    monkeypatch.setattr(prompt_module, "split", split)
    monkeypatch.setattr(GitObjects, "run_git", run_git)
    monkeypatch.setattr(gitstore_module, "sort_versions", sort_versions)
    return done


def stage(repo: Any, *paths: str) -> None:
    subprocess.run(["git", "add", *paths], cwd=repo.root, check=True)


def test_a_one_prompt_commit_judges_that_prompt_and_lists_its_tags(
    library: Any, work: dict[str, list[Any]], capsys: Any
) -> None:
    library.write_prompt("c", "1.2.0", "Hi {{ topic }}, changed\n")
    stage(library, "prompts/c.j2")
    assert main(["hooks", "run", "pre-commit"]) == 0
    output = capsys.readouterr()
    assert "PG5" not in output.out  # the old staging entry is not this commit's: not judged
    assert set(work["parsed"]) == {"prompts/c.j2"}  # the staged file (and its release), nothing else
    assert work["listed"] == [["refs/tags/prompts/c/"]]  # one listing, of c's tags only
    assert work["sorted"] == [["1.0.0", "1.1.0"]]  # c's releases sorted once, however often asked


def test_an_unbumped_change_is_still_refused(library: Any, work: dict[str, list[Any]], capsys: Any) -> None:
    library.write_prompt("d", "1.1.0", "Hi {{ topic }}, changed\n")
    stage(library, "prompts/d.j2")
    assert main(["hooks", "run", "pre-commit"]) == 1
    assert "prompts/d.j2:2:1: PG501 d changed since its release 1.1.0" in capsys.readouterr().out
    assert work["listed"] == [["refs/tags/prompts/d/"]]


def test_a_labels_commit_judges_the_entries_it_touches(
    library: Any, work: dict[str, list[Any]], capsys: Any
) -> None:
    text = (library.root / "prompts" / "labels.yaml").read_text()
    text = text.replace("  d: 1.1.0", "  d: 1.0.0").replace("  e: 1.1.0", "  e: 3.0.0")
    library.write("prompts/labels.yaml", text)
    stage(library, "prompts/labels.yaml")
    assert main(["hooks", "run", "pre-commit"]) == 1
    out = capsys.readouterr().out
    assert "PG504 label production points at e@3.0.0, which is not released" in out
    assert "f@9.9.9" not in out  # untouched: reported by a full run, not by this commit
    assert "prompts/" not in "".join(work["parsed"])  # no prompt parsed
    assert sorted(map(tuple, work["sorted"])) == [("1.0.0", "1.1.0")] * 2  # d's and e's tags, once each


def test_a_staged_partial_judges_the_prompts_that_include_it(
    library: Any, work: dict[str, list[Any]], capsys: Any
) -> None:
    library.write("prompts/partials/voice.j2", "Be briefer.")
    stage(library, "prompts/partials/voice.j2")
    assert main(["hooks", "run", "pre-commit"]) == 0  # warnings only
    out = capsys.readouterr().out
    assert "prompts/a.j2:2:1: PG506 warning: a includes prompts/partials/voice.j2" in out
    assert "prompts/b.j2:2:1: PG506 warning: b includes" in out  # through outer.j2
    assert work["listed"] == [["refs/tags/prompts/a/", "refs/tags/prompts/b/"]]


def test_outside_a_commit_the_whole_library_is_judged(
    library: Any, work: dict[str, list[Any]], capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GIT_INDEX_FILE")  # `pre-commit run --all-files`
    assert main(["hooks", "run", "pre-commit"]) == 1
    assert "PG504 label staging points at f@9.9.9" in capsys.readouterr().out
    assert work["listed"] == [["refs/tags/prompts/"]]  # one read of the whole tag list
    assert len(work["sorted"]) == len(NAMES)  # each prompt's tags sorted once


def test_removed_prompt_names_and_touched_entries(library: Any) -> None:
    from promptgit.store.gitstore import GitStore
    from promptgit.store.staged import removed_prompt_names, touched_label_entries
    from promptgit.store.workspace import Workspace

    assert removed_prompt_names(
        ["prompts/x/y.j2", "prompts/partials/p.j2", "prompts/labels.yaml"], "prompts"
    ) == ["x/y"]
    workspace = Workspace.discover(Path(library.root))
    store = GitStore(library.root)
    try:
        head = workspace.at_commit(store, store.resolve_commit("HEAD"))
        touched = touched_label_entries(store, head, workspace.source, ["b"])
        assert touched == {("production", "b")}
        library.write("prompts/labels.yaml", "production: [not, a, mapping]\n")
        assert touched_label_entries(store, head, workspace.source, []) is None  # judged whole
    finally:
        store.close()


def test_a_one_file_validate_on_the_default_branch_runs_one_git_command(
    library: Any, work: dict[str, list[Any]], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.delenv("GIT_INDEX_FILE")
    assert main(["validate", "prompts/c.j2"]) == 1
    assert "PG504 label staging points at f@9.9.9" in capsys.readouterr().out  # every label is judged
    # besides the object reader: no merge-base of main with itself, no listing to learn that tags exist
    assert work["git"] == ["for-each-ref"]
    assert work["listed"] == [["refs/tags/prompts/c/"]]


def test_release_tags_are_found_loose_and_packed(prompt_repo: Any) -> None:
    from promptgit.store.gitstore import GitStore

    prompt_repo.write_prompt("a", "1.0.0")
    prompt_repo.commit("a")
    store = GitStore(prompt_repo.root)
    try:
        assert not store.has_release_tags()
        prompt_repo.tag_release("a", "1.0.0")
        assert store.has_release_tags()  # loose
        subprocess.run(["git", "pack-refs", "--all"], cwd=prompt_repo.root, check=True)
        store.refresh()
        assert store.has_release_tags()  # packed
    finally:
        store.close()
