"""`promptgit log NAME`: the commits that touched a prompt, with its version and release tag at each."""

from __future__ import annotations

import argparse

from promptgit.commands.release import open_repository, prompt_name
from promptgit.commands.show import version_of
from promptgit.errors import GitError, PromptNotFoundError
from promptgit.store.gitstore import GitStore
from promptgit.store.releasing import git

HELP = "Show the commits that changed a prompt file, with the version at each and which one was released."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="e.g. content/hook")
    parser.add_argument("-n", "--max-count", type=int, default=50, metavar="N", help="at most N commits (50)")


def run(args: argparse.Namespace) -> int:
    workspace, store = open_repository()
    name = prompt_name(workspace, args.name)
    try:
        path = workspace.git_path(name)
        out = (
            git(
                store,
                "log",
                f"--max-count={args.max_count}",
                "--format=%H%x00%ad%x00%an%x00%s",
                "--date=short",
                "--",
                path,
            )
            if _has_commits(store)
            else ""
        )
        released = {store.release_commit(name, version): version for version in store.release_versions(name)}
        rows = []
        for line in out.splitlines():
            sha, date, author, subject = line.split("\0", 3)
            found = workspace.at_commit(store, sha).read_prompt(name)
            version = version_of(found.data) if found else "(removed)"
            tag = f"[v{released[sha]}]" if released.get(sha) == version else ""
            rows.append(f"{sha[:10]} {date} {version:<12} {tag:<10} {subject} ({author})")
    finally:
        store.close()
    if not rows:
        raise PromptNotFoundError(f"no commits touch {path}")
    print("\n".join(rows))
    return 0


def _has_commits(store: GitStore) -> bool:
    try:
        store.resolve_commit("HEAD")
    except GitError:
        return False
    return True
