"""`promptgit log NAME`: the commits that touched a prompt, with its version and release tag at each."""

from __future__ import annotations

import argparse

from promptgit.commands.release import open_repository, prompt_name
from promptgit.commands.show import version_of
from promptgit.errors import GitError, PromptNotFoundError
from promptgit.format.prompt import SUFFIX
from promptgit.store.gitstore import GitStore
from promptgit.store.releasing import git
from promptgit.store.workspace import Workspace

HELP = "Show the commits that changed a prompt file, with the version at each and which one was released."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="e.g. content/hook")
    parser.add_argument("-n", "--max-count", type=int, default=50, metavar="N", help="at most N commits (50)")


def run(args: argparse.Namespace) -> int:
    workspace, store = open_repository()
    name = prompt_name(workspace, args.name)
    try:
        path = workspace.git_path(name)
        # --follow: across a rename (git mv, or content git finds similar), with the path at each commit
        out = (
            git(
                store,
                "log",
                "--follow",
                "--name-only",
                f"--max-count={args.max_count}",
                "--format=%x01%H%x00%ad%x00%an%x00%s",
                "--date=short",
                "--",
                path,
            )
            if _has_commits(store)
            else ""
        )
        prefix = "" if workspace.git_prompts_dir == "." else f"{workspace.git_prompts_dir}/"
        rows = [_row(workspace, store, name, prefix, entry) for entry in out.split("\x01") if entry.strip()]
    finally:
        store.close()
    if not rows:
        raise PromptNotFoundError(f"no commits touch {path}")
    print("\n".join(rows))
    return 0


def _row(workspace: Workspace, store: GitStore, name: str, prefix: str, entry: str) -> str:
    """One commit of `git log --follow --name-only`: its version of the file, and the release it is."""
    header, _, paths = entry.partition("\n")
    sha, date, author, subject = header.split("\0", 3)
    at = _name_of(prefix, paths.strip().splitlines()[-1]) if paths.strip() else name
    found = workspace.at_commit(store, sha).read_prompt(at)
    version = version_of(found.data) if found else "(removed)"
    tag = ""
    if found and store.is_released(at, version) and store.release_commit(at, version) == sha:
        tag = f"[v{version}]" if at == name else f"[{at}@{version}]"  # a release of the old name
    return f"{sha[:10]} {date} {version:<12} {tag:<10} {subject} ({author})"


def _name_of(prefix: str, path: str) -> str:
    return path.removeprefix(prefix).removesuffix(SUFFIX)


def _has_commits(store: GitStore) -> bool:
    try:
        store.resolve_commit("HEAD")
    except GitError:
        return False
    return True
