"""`promptgit versions NAME`: the releases of a prompt, newest first, with date, labels and tag message."""

from __future__ import annotations

import argparse

from promptgit.commands.release import open_repository, prompt_name
from promptgit.commands.show import version_of
from promptgit.errors import GitError, PromptNotFoundError
from promptgit.store.traffic_split import LabelEntry, Split

HELP = "List the releases of a prompt: version, date, labels (at HEAD), tag message, and yanked ones."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="e.g. content/hook")


def run(args: argparse.Namespace) -> int:
    workspace, store = open_repository()
    name = prompt_name(workspace, args.name)
    try:
        releases = list(reversed(store.releases(name)))
        try:
            head = workspace.at_commit(store, store.resolve_commit("HEAD"), "HEAD")
            labels = store.labels(head)
            yanked = store.yanked(head).get(name, {})
        except GitError:
            labels, yanked = {}, {}
    finally:
        store.close()
    path = workspace.path_of(name)
    found = workspace.source.read_prompt(name)
    worktree = version_of(found.data) if found is not None else None
    if not releases and worktree is None:
        raise PromptNotFoundError(f"no prompt {name}: no release tags and no {workspace.display_path(path)}")
    if worktree is not None and worktree not in {release.version for release in releases}:
        print(f"{worktree:<12} {'(worktree)':<10} {'':<12} not released")
    if not releases:
        print(f"{name}: no releases yet")
        return 0
    for release in releases:
        on = ",".join(sorted(_labels_on(labels, name, release.version)))
        date = release.date.strftime("%Y-%m-%d") if release.date else "?"
        subject = release.message.splitlines()[0] if release.message else ""
        reason = yanked.get(release.version)
        mark = "" if reason is None else f" [yanked{': ' + reason if reason else ''}]"
        print(f"{release.version:<12} {date:<10} {on:<12} {subject}".rstrip() + mark)
    return 0


def _labels_on(labels: dict[str, dict[str, LabelEntry]], name: str, version: str) -> list[str]:
    """Labels pointing at `version`; a split shows the version's weight: `production:10%`."""
    found = []
    for label, entries in labels.items():
        entry = entries.get(name)
        if entry == version:
            found.append(label)
        elif isinstance(entry, Split) and entry.weight_of(version):
            found.append(f"{label}:{entry.weight_of(version)}%")
    return found
