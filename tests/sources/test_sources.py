"""The two sources of prompt files, the tree of a commit and the working tree, answer alike."""

from __future__ import annotations

import os
import subprocess
from typing import Any

import pytest

from promptgit.errors import PromptSyntaxError
from promptgit.sources import CommitSource, PromptSource, WorktreeSource, git_blob_sha
from promptgit.sources.git_objects import GitObjects


@pytest.fixture
def objects(history: Any) -> Any:
    reader = GitObjects(history.root)
    yield reader
    reader.close()


def _sources(history: Any, objects: GitObjects) -> list[PromptSource]:
    head = objects.resolve_commit("HEAD")
    return [CommitSource(objects, head, "prompts", label="HEAD"), WorktreeSource(history.root, "prompts")]


def test_a_commit_reads_its_own_files_with_their_blob_sha(history: Any, objects: GitObjects) -> None:
    commit = history.git.git.rev_parse("prompts/content/hook/v1.0.0^{commit}")
    source = CommitSource(objects, commit, "prompts")
    found = source.read_prompt("content/hook")
    assert found is not None
    assert found.path == "prompts/content/hook.j2"
    assert found.data.startswith(b"---\nversion: 1.0.0\n")
    assert found.blob_sha == history.git.git.rev_parse(f"{commit}:prompts/content/hook.j2")
    assert source.read_prompt("nope") is None
    assert source.read_partial("partials/style.j2") == "Style one."
    assert source.read_labels() is None  # labels.yaml came later
    assert source.names() == ["content/hook", "greeting"]
    assert source.describe() == commit[:12]


def test_both_sources_answer_alike_for_the_same_files(history: Any, objects: GitObjects) -> None:
    commit, worktree = _sources(history, objects)
    assert commit.names() == worktree.names() == ["content/hook", "greeting"]
    for name in commit.names():
        at_commit, on_disk = commit.read_prompt(name), worktree.read_prompt(name)
        assert at_commit == on_disk  # path, bytes and identity: the worktree's sha is computed git's way
    assert commit.read_labels() == worktree.read_labels()
    assert commit.read_partial("partials/style.j2") == worktree.read_partial("partials/style.j2")
    assert (commit.describe(), worktree.describe()) == ("HEAD", "the working tree")


def test_the_blob_sha_is_gits(tmp_path: Any) -> None:
    data = b"---\nversion: 1.0.0\n---\nHello\n"
    (tmp_path / "file").write_bytes(data)
    hashed = subprocess.run(["git", "hash-object", str(tmp_path / "file")], capture_output=True, text=True)
    assert git_blob_sha(data) == hashed.stdout.strip()


@pytest.mark.parametrize("relative", ["../README.md", "/etc/passwd", "partials/../../x.j2", "a\0b", "a\nb"])
def test_no_read_leaves_the_prompts_directory(history: Any, objects: GitObjects, relative: str) -> None:
    (history.root / "README.md").write_text("outside")
    for source in _sources(history, objects):
        assert source.read_partial(relative) is None
        assert source.read_prompt(relative.removesuffix(".j2")) is None


def test_a_symlink_out_of_the_prompts_directory_is_refused(history: Any, tmp_path: Any) -> None:
    outside = tmp_path / "secret.j2"
    outside.write_text("---\nversion: 1.0.0\n---\nsecret\n")
    os.symlink(outside, history.root / "prompts" / "partials" / "leak.j2")
    os.symlink(outside, history.root / "prompts" / "leak.j2")
    source = WorktreeSource(history.root, "prompts")
    assert source.read_partial("partials/leak.j2") is None
    with pytest.raises(PromptSyntaxError, match="PG106 cannot read file: it resolves outside"):
        source.read_prompt("leak")


def test_reads_are_bounded_by_max_file_bytes(history: Any, objects: GitObjects) -> None:
    history.write("prompts/partials/big.j2", "x" * 2000)
    history.write_prompt("big", "1.0.0", "y" * 2000)
    head = history.commit("big files")
    small = [
        CommitSource(objects, head, "prompts", max_file_bytes=1000),
        WorktreeSource(history.root, "prompts", max_file_bytes=1000),
    ]
    for source in small:
        assert source.read_partial("partials/big.j2") is None
        with pytest.raises(PromptSyntaxError) as raised:
            source.read_prompt("big")
        assert raised.value.code == "PG104" and raised.value.path == "prompts/big.j2"
        found = source.read_prompt("greeting")  # the git pipe is still in step
        assert found is not None and found.data.startswith(b"---\nversion: 0.1.0\n")


def test_a_prompt_compiles_with_partials_from_the_same_source(history: Any, objects: GitObjects) -> None:
    release = history.git.git.rev_parse("prompts/content/hook/v1.1.0^{commit}")
    sources = [CommitSource(objects, release, "prompts"), WorktreeSource(history.root, "prompts")]
    systems = []
    for source in sources:
        prompt = source.compile("content/hook")
        assert prompt is not None and prompt.commit == source.commit
        systems.append(prompt.render(topic="bread")[0]["content"])
    assert systems == ["Style two.", "Style four."]
    assert sources[0].compile("missing") is None


def test_the_prompts_directory_may_be_the_root(prompt_repo: Any) -> None:
    prompt_repo.write("hello.j2", "---\nversion: 1.0.0\n---\nHi\n")
    prompt_repo.write("partials/p.j2", "P")
    prompt_repo.write("labels.yaml", "production: {hello: 1.0.0}\n")
    head = prompt_repo.commit("flat")
    objects = GitObjects(prompt_repo.root)
    try:
        for source in (CommitSource(objects, head, "."), WorktreeSource(prompt_repo.root, ".")):
            assert source.names() == ["hello"]
            assert source.prompt_path("hello") == "hello.j2"
            labels = source.read_labels()
            assert labels is not None and labels.path == "labels.yaml"
            assert source.read_partial("partials/p.j2") == "P"
    finally:
        objects.close()


def test_a_commit_read_often_is_listed_once_and_read_by_blob_sha(
    prompt_repo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `commit:path` makes git search the folder's tree on each read; a large flat folder pays that per
    # prompt, so after LIST_AFTER_READS reads the folder is listed once and blobs are read by sha
    from promptgit.sources import git_objects

    for number in range(git_objects.LIST_AFTER_READS + 8):
        prompt_repo.write(f"prompts/flat/p{number:03}.j2", f"---\nversion: 1.0.{number}\n---\nHi\n")
    head = prompt_repo.commit("a flat folder")
    objects = GitObjects(prompt_repo.root)
    names: list[str] = []
    real = GitObjects._object
    monkeypatch.setattr(GitObjects, "_object", lambda self, name: names.append(name) or real(self, name))
    try:
        source = CommitSource(objects, head, "prompts")
        for number in range(git_objects.LIST_AFTER_READS + 8):
            found = source.read_prompt(f"flat/p{number:03}")
            assert found is not None and found.blob_sha == git_blob_sha(found.data)
        assert source.read_prompt("flat/missing") is None  # the listing answers: no read at all
        by_path = [name for name in names if ":" in name]
        by_sha = [name for name in names if ":" not in name]
        assert len(by_path) == git_objects.LIST_AFTER_READS
        assert len(by_sha) == 8 and all(len(name) == 40 for name in by_sha)
        # a commit whose names were listed (prefetch, not-found messages) is read by sha from the start
        prompt_repo.write("prompts/flat/p000.j2", "---\nversion: 2.0.0\n---\nHi\n")
        later = CommitSource(objects, prompt_repo.commit("again"), "prompts")
        assert len(later.names()) == git_objects.LIST_AFTER_READS + 8
        names.clear()
        found = later.read_prompt("flat/p000")
        assert found is not None and found.data.startswith(b"---\nversion: 2.0.0")
        assert len(names) == 1 and ":" not in names[0]
    finally:
        objects.close()
