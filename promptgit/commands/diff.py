"""`promptgit diff SELECTOR [SELECTOR]`: unified diff of two versions, or of a release and the worktree."""

from __future__ import annotations

import argparse
import difflib
import sys

from promptgit.commands.release import open_repository
from promptgit.commands.show import select
from promptgit.store.selectors import Selector, parse_selector

HELP = "Unified diff of two versions of a prompt (default: the selected release against the working tree)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "old", metavar="SELECTOR", help="e.g. content/hook@1.0.0 (NAME alone: highest release)"
    )
    parser.add_argument(
        "new", nargs="?", metavar="SELECTOR", help="default: the same prompt in the working tree"
    )
    parser.add_argument("--ref", default="HEAD", help="where labels.yaml is read for label selectors (HEAD)")
    parser.add_argument("-U", "--unified", type=int, default=3, metavar="N", help="lines of context (3)")


def run(args: argparse.Namespace) -> int:
    old_selector = parse_selector(args.old)
    new_selector = parse_selector(args.new) if args.new else Selector(old_selector.name, "worktree")
    workspace, store = open_repository()
    try:
        old = select(workspace, store, old_selector, args.ref)
        new = select(workspace, store, new_selector, args.ref)
    finally:
        store.close()
    lines = difflib.unified_diff(
        old.data.decode("utf-8", "replace").splitlines(keepends=True),
        new.data.decode("utf-8", "replace").splitlines(keepends=True),
        fromfile=f"{old.label} ({old.origin})",
        tofile=f"{new.label} ({new.origin})",
        n=max(args.unified, 0),
    )
    for line in lines:
        sys.stdout.write(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return 0
