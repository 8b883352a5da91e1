"""What a push publishes: every release tag a pushed labels file names must reach the remote with it.

git pushes no tags unless told (`git push origin main` leaves `promptgit release`'s tag behind), and a
label naming a tag the remote lacks takes that label down on every replica that reads the remote. The
pre-push hook asks this module which label entries of the pushed commits name such a tag.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

from promptgit.errors import GitError, PromptgitError
from promptgit.sources.source import PromptSource
from promptgit.store.gitstore import GitStore
from promptgit.store.releases import TAG_PREFIX, release_tag
from promptgit.store.traffic_split import Split


@dataclass(frozen=True)
class Unpublished:
    """A label entry of a pushed commit whose release tag the remote will not have after the push."""

    label: str
    name: str
    version: str
    exists_locally: bool

    @property
    def tag(self) -> str:
        return release_tag(self.name, self.version)


def remote_release_tags(store: GitStore, remote: str) -> dict[str, str]:
    """The release tags (`prompts/...`) `remote` has now, with what each points at, by `git ls-remote`
    (`remote` is a name or a URL)."""
    done = subprocess.run(
        ["git", "ls-remote", "--tags", "--refs", remote, f"refs/tags/{TAG_PREFIX}*"],
        cwd=store.root,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        raise GitError(f"cannot list the release tags of {remote}: {detail}")
    pairs = (line.split("\t", 1) for line in done.stdout.splitlines() if "\t" in line)
    return {ref.removeprefix("refs/tags/"): sha for sha, ref in pairs}


def unpublished_labels(store: GitStore, source: PromptSource, published: set[str]) -> list[Unpublished]:
    """Entries of the labels file of `source` (a pushed commit) naming a release tag not in `published`
    (each version of a split counts). A labels file that does not parse is left to the validator (PG203)."""
    try:
        labels = store.labels(source)
    except PromptgitError:
        return []
    found = []
    for label, entries in labels.items():
        for name, entry in entries.items():
            versions = entry.versions if isinstance(entry, Split) else (entry,)
            for version in versions:
                if release_tag(name, version) not in published:
                    found.append(Unpublished(label, name, version, store.is_released(name, version)))
    return found
