"""Repository.clone: a local bare mirror of a remote, fetched when the cache refreshes."""

from __future__ import annotations

import shutil

import git
import pytest
from prometheus_client import CollectorRegistry

from promptgit.errors import GitError
from promptgit.loader import Repository
from promptgit.loader.remote import mirror_path


@pytest.fixture
def remote(library, tmp_path):  # type: ignore[no-untyped-def]
    """A bare repository that `library` pushes to, standing in for the git server."""
    bare = tmp_path / "server" / "prompts.git"
    git.Repo.init(bare, bare=True, initial_branch="main").close()
    library.git.create_remote("origin", str(bare))
    library.git.git.push("origin", "main", "--tags")
    return bare


def push(library) -> None:  # type: ignore[no-untyped-def]
    library.git.git.push("origin", "main", "--tags")


def test_clone_follows_the_remote_after_the_ttl(library, remote, tmp_path, clock, registry) -> None:
    cache_dir = tmp_path / "cache"
    repository = Repository.clone(
        str(remote), cache_dir=cache_dir, cache_ttl=60, clock=clock, registry=registry
    )
    mirror = mirror_path(str(remote), cache_dir)
    assert mirror.parent == cache_dir and mirror.name.startswith("prompts-") and (mirror / "HEAD").is_file()
    assert git.Repo(mirror).bare
    assert repository.get("content/hook@production").version == "1.0.0"

    library.write("prompts/labels.yaml", "production:\n  content/hook: 2.0.0\n")
    library.commit("promote 2.0.0")
    push(library)
    clock.advance(61)
    assert repository.get("content/hook@production").version == "1.0.0"  # stale while fetching
    assert repository.wait_for_refreshes(30)
    prompt = repository.get("content/hook@production")
    assert prompt.version == "2.0.0"
    assert prompt.commit == library.git.tags["prompts/content/hook/v2.0.0"].commit.hexsha
    assert prompt.render(topic="x")[0]["content"] == "Voice two."
    repository.close()


def test_second_clone_reuses_and_fetches_the_mirror(library, remote, tmp_path, registry) -> None:
    cache_dir = tmp_path / "cache"
    Repository.clone(str(remote), cache_dir=cache_dir, registry=registry).close()
    library.write("prompts/labels.yaml", "production:\n  content/hook: 1.1.0\n")
    library.commit("promote 1.1.0")
    push(library)
    again = Repository.clone(str(remote), cache_dir=cache_dir, registry=registry)
    assert again.get("content/hook@production").version == "1.1.0"
    assert [p.name for p in cache_dir.iterdir()] == [mirror_path(str(remote), cache_dir).name]
    again.close()


def test_unreachable_remote_after_warm_up_serves_last_known_good(
    library, remote, tmp_path, clock, registry
) -> None:
    repository = Repository.clone(str(remote), cache_dir=tmp_path / "cache", clock=clock, registry=registry)
    warm = repository.get("content/hook@staging")
    shutil.rmtree(remote)
    clock.advance(120)
    assert repository.get("content/hook@staging") is warm
    assert repository.wait_for_refreshes(30)
    assert repository.get("content/hook@staging") is warm
    assert registry.get_sample_value("promptgit_loader_refresh_failures_total") == 1
    repository.close()


def test_clone_of_a_missing_remote_is_a_one_line_error(tmp_path, registry) -> None:
    with pytest.raises(GitError) as raised:
        Repository.clone(str(tmp_path / "nothing.git"), cache_dir=tmp_path / "cache", registry=registry)
    message = str(raised.value)
    assert message.startswith(f"cannot clone {tmp_path / 'nothing.git'}: ") and "\n" not in message
    assert list((tmp_path / "cache").iterdir()) == []  # nothing half-written


def test_worktree_selector_on_a_mirror_is_a_clear_error(library, remote, tmp_path, registry) -> None:
    from promptgit.errors import PromptNotFoundError

    repository = Repository.clone(str(remote), cache_dir=tmp_path / "cache", registry=registry)
    with pytest.raises(PromptNotFoundError, match="has no working tree"):
        repository.get("content/hook@worktree")
    repository.close()


def test_restart_with_the_server_down_uses_the_existing_mirror(library, remote, tmp_path, registry) -> None:
    cache_dir = tmp_path / "cache"
    Repository.clone(str(remote), cache_dir=cache_dir, registry=CollectorRegistry()).close()
    shutil.rmtree(remote)
    repository = Repository.clone(str(remote), cache_dir=cache_dir, registry=registry)
    assert repository.get("content/hook@production").version == "1.0.0"
    assert registry.get_sample_value("promptgit_loader_refresh_failures_total") == 1
    assert repository.stats()["refresh_failures"] == 1
    repository.close()
