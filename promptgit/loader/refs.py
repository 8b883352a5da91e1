"""What a Repository reads at its ref: the commit it names, promptgit.yaml, the selectors to prefetch."""

from __future__ import annotations

from promptgit.config import CONFIG_FILE, Config, parse_config
from promptgit.errors import GitError
from promptgit.store.gitstore import GitStore


def resolve_ref(store: GitStore, ref: str) -> str | None:
    """The commit `ref` names now, or None when git cannot say (the read that follows counts the failure)."""
    try:
        return store.resolve_commit(ref)
    except GitError:
        return None


def known_selectors(store: GitStore, ref: str) -> list[str]:
    """The latest release of every prompt at `ref` that has one, and every label entry of labels.yaml."""
    commit = store.resolve_commit(ref)
    found = [name for name in store.prompt_names(commit) if store.highest_release(name)]
    for label, entries in sorted(store.labels(commit).items()):
        found += [f"{name}@{label}" for name in sorted(entries)]
    return found


def config_at_ref(store: GitStore, ref: str) -> Config:
    """promptgit.yaml at `ref`, read from git (a bare mirror has no working tree); defaults if none."""
    try:
        found = store.read_file(store.resolve_commit(ref), CONFIG_FILE)
    except GitError:
        return Config()
    if found is None:
        return Config()
    return parse_config(found[0].decode("utf-8", "replace"), CONFIG_FILE)
