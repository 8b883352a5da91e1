"""The work a get() does, counted in git object reads (never timed): a label costs one read of labels.yaml."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from promptgit.sources.git_objects import GitObjects


@pytest.fixture
def object_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every object name read through any GitObjects (the one cat-file reader), in order."""
    reads: list[str] = []
    real = GitObjects._object

    def counted(self: GitObjects, name: str) -> Any:
        reads.append(name)
        return real(self, name)

    monkeypatch.setattr(GitObjects, "_object", counted)
    yield reads


def _labels_reads(reads: list[str]) -> list[str]:
    return [name for name in reads if name.endswith(":prompts/labels.yaml")]


def test_a_label_get_reads_the_labels_file_once(
    library: Any, make_repository: Any, object_reads: Any
) -> None:
    repository = make_repository(library.root)
    object_reads.clear()  # opening reads promptgit.yaml and the commit of HEAD: not the get's work
    prompt = repository.get("content/hook@production")
    assert prompt.version == "1.0.0"
    assert len(_labels_reads(object_reads)) == 1
    # the labels file, the tagged commit (a loose annotated tag, peeled in one read), the prompt's blob
    # and the partial it includes (read once, though Jinja looks it up twice to preload it)
    assert [name.partition(":")[2] or name.rpartition("^")[2] for name in object_reads] == [
        "prompts/labels.yaml",
        "{commit}",
        "prompts/content/hook.j2",
        "prompts/partials/voice.j2",
    ]


def test_a_label_get_after_packing_reads_no_tag_object(
    library: Any, make_repository: Any, object_reads: Any
) -> None:
    library.git.git.pack_refs("--all")  # packed-refs records each tag's commit: nothing to peel
    repository = make_repository(library.root)
    object_reads.clear()
    repository.get("content/hook@staging")
    assert len(_labels_reads(object_reads)) == 1
    assert len(object_reads) == 3, object_reads  # labels.yaml, the prompt, its partial


def test_a_missing_label_entry_reads_the_labels_file_once(
    library: Any, make_repository: Any, object_reads: Any
) -> None:
    repository = make_repository(library.root)
    object_reads.clear()
    with pytest.raises(Exception, match="has no entry for plain/note"):
        repository.get("plain/note@production")
    assert len(_labels_reads(object_reads)) == 1


def test_each_get_of_a_split_label_reads_the_labels_file_once(
    library: Any, make_repository: Any, object_reads: Any, clock: Any
) -> None:
    library.write("prompts/labels.yaml", "production:\n  content/hook: {1.0.0: 50, 1.1.0: 50}\n")
    library.commit("split")
    repository = make_repository(library.root, cache_ttl=10)
    object_reads.clear()
    repository.get("content/hook@production", key="u1")
    assert len(_labels_reads(object_reads)) == 1
    clock.advance(11)  # expired: served stale, one background refresh reads the labels again
    repository.get("content/hook@production", key="u1")
    repository.wait_for_refreshes(10)
    assert len(_labels_reads(object_reads)) == 2
