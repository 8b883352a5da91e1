"""promptgit_build_info and promptgit_loader_commit_info: what each replica serves, one series per ref."""

from __future__ import annotations

import gc

import git
import pytest
from prometheus_client import CollectorRegistry

import promptgit
from promptgit.loader import Repository


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def released(prompt_repo):  # type: ignore[no-untyped-def]
    prompt_repo.write_prompt("content/hook", "1.2.0", body="Hook about {{ topic }}\n")
    prompt_repo.write("prompts/labels.yaml", "production:\n  content/hook: 1.2.0\n")
    prompt_repo.commit("release")
    prompt_repo.tag_release("content/hook", "1.2.0")
    return prompt_repo


def commits(registry: CollectorRegistry) -> dict[tuple[str, str], float]:
    return {
        (sample.labels["ref"], sample.labels["commit"]): sample.value
        for family in registry.collect()
        for sample in family.samples
        if sample.name == "promptgit_loader_commit_info"
    }


def test_build_info_names_the_version(released, registry) -> None:
    Repository(released.root, registry=registry).close()
    assert registry.get_sample_value("promptgit_build_info", {"version": promptgit.__version__}) == 1


def test_the_commit_series_follows_the_ref_and_the_old_one_goes(released, registry) -> None:
    first = released.git.head.commit.hexsha
    clock = Clock()
    repository = Repository(released.root, registry=registry, clock=clock, cache_ttl=10)
    assert repository.get("content/hook@production").version == "1.2.0"
    assert commits(registry) == {("HEAD", first): 1}
    released.write_prompt("content/hook", "1.3.0", body="Hook v3 {{ topic }}\n")
    released.write("prompts/labels.yaml", "production:\n  content/hook: 1.3.0\n")
    second = released.commit("promote 1.3.0")
    released.tag_release("content/hook", "1.3.0")
    clock.now += 11
    repository.get("content/hook@production")  # stale: served, refreshed in the background
    assert repository.wait_for_refreshes(30)
    assert repository.get("content/hook@production").version == "1.3.0"
    assert repository.served_commit() == second
    assert commits(registry) == {("HEAD", second): 1}
    repository.close()


def test_two_repositories_at_one_ref_on_different_commits_are_two_series(
    released, registry, tmp_path
) -> None:
    older = released.git.head.commit.hexsha
    clone = git.Repo.clone_from(released.root, tmp_path / "clone")
    released.write("prompts/labels.yaml", "production:\n  content/hook: 1.2.0\nstaging: {}\n")
    newer = released.commit("labels")
    one = Repository(released.root, registry=registry)
    other = Repository(clone.working_dir, registry=registry)
    assert commits(registry) == {("HEAD", older): 1, ("HEAD", newer): 1}
    other.close()
    del other  # a closed, collected Repository no longer reports
    gc.collect()
    assert commits(registry) == {("HEAD", newer): 1}
    one.close()
