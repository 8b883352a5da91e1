"""Issue 11, item 6: last-known-good is for an unreachable repository, not for a definite answer from git;
labels and tags are read as one snapshot; a corrupt repository is a GitError, never "not found"."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from promptgit.errors import GitError, PromptNotFoundError
from promptgit.loader import Repository
from promptgit.store.gitstore import GitStore
from promptgit.store.selectors import parse_selector
from tests.conftest import PromptRepo


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def labelled(prompt_repo: PromptRepo) -> PromptRepo:
    prompt_repo.write_prompt("bench/hook", "1.0.0")
    prompt_repo.write_prompt("bench/other", "1.0.0")
    prompt_repo.write("prompts/labels.yaml", "production:\n  bench/hook: 1.0.0\n  bench/other: 1.0.0\n")
    prompt_repo.commit("release")
    prompt_repo.tag_release("bench/hook", "1.0.0")
    prompt_repo.tag_release("bench/other", "1.0.0")
    return prompt_repo


def failures(registry: CollectorRegistry) -> float:
    return registry.get_sample_value("promptgit_loader_refresh_failures_total") or 0.0


def refreshed(repository: Repository, clock: Clock, selector: str) -> None:
    """Past the TTL: the next get serves stale and refreshes in the background; wait for that refresh."""
    clock.now += 61
    repository.get(selector)
    assert repository.wait_for_refreshes(30)


def test_a_label_entry_removed_on_purpose_stops_being_served(labelled: PromptRepo) -> None:
    clock, registry = Clock(), CollectorRegistry()
    repository = Repository(labelled.root, registry=registry, clock=clock)
    assert repository.get("bench/hook@production").version == "1.0.0"
    labelled.write("prompts/labels.yaml", "production:\n  bench/other: 1.0.0\n")
    labelled.commit("unlabel bench/hook")
    refreshed(repository, clock, "bench/hook@production")
    with pytest.raises(PromptNotFoundError, match="has no entry for bench/hook"):
        repository.get("bench/hook@production")
    assert failures(registry) == 0  # a definite answer is not a refresh failure
    assert repository.stats()["last_known_good"] == 0
    repository.close()


def test_a_removed_entry_falls_back_when_a_fallback_is_configured(labelled: PromptRepo) -> None:
    clock = Clock()
    repository = Repository(
        labelled.root, registry=CollectorRegistry(), clock=clock, fallback={"bench/hook": "Fallback text"}
    )
    assert repository.get("bench/hook@production").version == "1.0.0"
    labelled.git.git.rm("prompts/bench/hook.j2")
    labelled.write("prompts/labels.yaml", "production:\n  bench/other: 1.0.0\n")
    labelled.commit("delete bench/hook")
    refreshed(repository, clock, "bench/hook@production")
    assert repository.get("bench/hook@production").render() == "Fallback text"
    repository.close()


def test_an_unreachable_repository_still_serves_last_known_good(labelled: PromptRepo) -> None:
    import shutil

    clock, registry = Clock(), CollectorRegistry()
    repository = Repository(labelled.root, registry=registry, clock=clock)
    assert repository.get("bench/hook@production").version == "1.0.0"
    shutil.rmtree(labelled.root / ".git")
    refreshed(repository, clock, "bench/hook@production")
    assert repository.get("bench/hook@production").version == "1.0.0"
    assert failures(registry) >= 1
    repository.close()


def test_labels_and_tags_are_one_snapshot(labelled: PromptRepo) -> None:
    """Tag refs cached before a release, labels read after it names that release: not "not released"."""
    store = GitStore(labelled.root)
    try:
        assert store.release_versions("bench/hook") == ["1.0.0"]  # tag refs now cached
        labelled.write_prompt("bench/hook", "1.1.0")
        labelled.commit("1.1.0")
        labelled.tag_release("bench/hook", "1.1.0")
        labelled.write("prompts/labels.yaml", "production:\n  bench/hook: 1.1.0\n")
        labelled.commit("promote")
        head = store.at(store.resolve_commit("HEAD"), "prompts")
        assert store.resolve_version(parse_selector("bench/hook@production"), head) == "1.1.0"
    finally:
        store.close()


@pytest.mark.parametrize("selector", ["bench/hook@1.0.0", "bench/hook@production", "bench/hook"])
def test_a_corrupt_repository_on_a_cold_load_is_a_git_error(labelled: PromptRepo, selector: str) -> None:
    tree = labelled.git.git.rev_parse("HEAD:prompts")
    (labelled.root / ".git" / "objects" / tree[:2] / tree[2:]).unlink()
    repository = Repository(labelled.root, registry=CollectorRegistry())
    with pytest.raises(GitError, match="unreadable"):
        repository.get(selector)
    repository.close()
