"""`promptgit bump NAME [patch|minor|major]`: raise a prompt's version in the working tree.

The step between editing a released prompt and committing it: the version rules (PG501, PG503) refuse a
changed prompt that keeps its version, so the bump belongs in the same commit as the change. Nothing is
committed or tagged here; `promptgit release` does that once the change is merged.
"""

from __future__ import annotations

import argparse
import os

from promptgit.commands.release import prompt_name
from promptgit.errors import PromptNotFoundError
from promptgit.store.releasing import bump_file
from promptgit.store.workspace import Workspace

HELP = "Raise a prompt's version in its file (patch by default); commit it with the change it versions."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="e.g. content/hook, or its file path")
    parser.add_argument(
        "part", nargs="?", choices=("patch", "minor", "major"), default="patch", help="which part (patch)"
    )


def run(args: argparse.Namespace) -> int:
    workspace = Workspace.discover()
    name = prompt_name(workspace, args.name)
    path = workspace.path_of(name)
    if not os.path.lexists(path):
        raise PromptNotFoundError(f"no prompt {name!r}: {workspace.display_path(path)} does not exist")
    bump = bump_file(path, args.part, workspace.root, workspace.config.max_file_bytes)
    print(f"{name}: {bump.old} -> {bump.new} ({workspace.display_path(path)})")
    return 0
