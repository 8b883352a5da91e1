"""`promptgit new NAME --kind K`: a new prompt file from a template; refuses an existing one."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from string import Template

from promptgit.commands.init import write_new_files
from promptgit.errors import ConfigError
from promptgit.format.prompt import SUFFIX
from promptgit.resources import data_text
from promptgit.sources import PARTIALS_DIR
from promptgit.store.workspace import Workspace

HELP = "Create a prompt file prompts/NAME.j2 (version 0.1.0) from a template."
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$")
_KIND = re.compile(r"^[a-z][a-z0-9_-]*$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "name", metavar="NAME", help="prompt name = path under prompts/ without .j2, e.g. content/hook"
    )
    parser.add_argument("--kind", required=True, help="the prompt's kind (allowed kinds: promptgit.yaml)")
    parser.add_argument("--description", default="TODO: what this prompt is for", help="one line for `list`")
    parser.add_argument("--chat", action="store_true", help="a chat prompt with system and user messages")


def run(args: argparse.Namespace) -> int:
    workspace = Workspace.discover()
    name = args.name.removesuffix(SUFFIX)
    if not _NAME.match(name) or name.split("/")[0] == PARTIALS_DIR:
        raise ConfigError(
            f"invalid prompt name {args.name!r}: use path segments of letters, digits, _ . - (not partials/)"
        )
    if not _KIND.match(args.kind):
        raise ConfigError(
            f"invalid kind {args.kind!r}: lowercase letters, digits, _ and -, starting with a letter"
        )
    kinds = workspace.config.kinds
    if kinds is not None and args.kind not in kinds:
        raise ConfigError(
            f"kind {args.kind!r} is not allowed by promptgit.yaml (allowed: {', '.join(kinds)})"
        )
    template = Template(data_text("new_chat.j2" if args.chat else "new_text.j2"))
    # a JSON string is a YAML string: any description is written safely quoted
    text = template.substitute(kind=args.kind, description=json.dumps(args.description, ensure_ascii=False))
    path = workspace.path_of(name)
    shown = workspace.display_path(path)
    _check_inside(path, workspace.root, shown)
    write_new_files([(path, text)], [shown])
    print(f"created {shown} ({name} 0.1.0, kind {args.kind})")
    return 0


def _check_inside(path: Path, root: Path, shown: str) -> None:
    """ConfigError unless `path` would be written inside `root`: the folders that exist on the way are
    resolved (symlinks followed), so a prompts folder linked elsewhere is refused before anything is made."""
    existing = path.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.resolve().is_relative_to(root.resolve()):
        raise ConfigError(
            f"{shown}: refusing to write outside the repository (a folder on the way is a symlink)"
        )
