"""`promptgit label set LABEL NAME@VERSION` / `label list`: edit and read prompts/labels.yaml."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from promptgit.commands.release import open_repository
from promptgit.errors import ConfigError, PromptNotFoundError
from promptgit.store.atomic import edit_lock, write_atomic
from promptgit.store.labels import parse_labels, set_label
from promptgit.store.releases import release_tag
from promptgit.store.selectors import parse_selector
from promptgit.store.workspace import LABELS_FILE, Workspace

HELP = "Point a label at a released version (edits prompts/labels.yaml; you commit it), or list labels."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    setter = actions.add_parser("set", help="point LABEL at NAME@VERSION (a released version)")
    setter.add_argument("label", metavar="LABEL", help="e.g. production")
    setter.add_argument("target", metavar="NAME@VERSION", help="e.g. content/hook@1.3.0")
    lister = actions.add_parser("list", help="list labels (from the working tree, or --ref)")
    lister.add_argument("--ref", help="read labels.yaml at this commit instead of the working tree")


def run(args: argparse.Namespace) -> int:
    return _set(args) if args.action == "set" else _list(args)


def _set(args: argparse.Namespace) -> int:
    selector = parse_selector(args.target)
    if selector.kind != "exact" or selector.spec is None:
        raise ConfigError(
            f"label set: {args.target!r} must name an exact version, e.g. {selector.name}@1.2.0"
        )
    workspace, store = open_repository()
    try:
        released = store.release_versions(selector.name)
    finally:
        store.close()
    if selector.spec not in released:
        raise PromptNotFoundError(
            f"refusing to label {selector}: it is not released "
            f"(no tag {release_tag(selector.name, selector.spec)})"
        )
    if not workspace.path_of(selector.name).is_file():
        raise PromptNotFoundError(
            f"refusing to label {selector}: {workspace.display_path(workspace.path_of(selector.name))} "
            "does not exist in the working tree (labels may only point at existing prompts)"
        )
    path = workspace.prompts_dir / LABELS_FILE
    shown = workspace.display_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # read, edit and write under the file's lock: two concurrent `label set` both land (store/atomic.py)
    with edit_lock(path):
        text = read_labels_text(workspace, path)
        change = set_label(text, args.label, selector.name, selector.spec)
        if change.previous == selector.spec:
            print(f"{args.label}: {selector.name} is already {selector.spec}; {shown} unchanged")
            return 0
        write_atomic(path, change.text.encode("utf-8"))  # never a half-written labels file
    was = f" (was {change.previous})" if change.previous else ""
    print(f"{args.label}: {selector.name} -> {selector.spec}{was}; commit {shown} to apply")
    return 0


def read_labels_text(workspace: Workspace, path: Path) -> str:
    """labels.yaml of the working tree ("" when absent), through the contained, bounded reader."""
    if not os.path.lexists(path):
        return ""
    try:
        return workspace.read_file(path).decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{workspace.display_path(path)}: not UTF-8") from None


def _list(args: argparse.Namespace) -> int:
    workspace, store = open_repository()
    try:
        if args.ref:
            labels = store.labels(store.resolve_commit(args.ref))
        else:
            path = workspace.prompts_dir / LABELS_FILE
            text = read_labels_text(workspace, path)
            labels = parse_labels(text, workspace.display_path(path))
    finally:
        store.close()
    rows = [(label, name, version) for label, entries in labels.items() for name, version in entries.items()]
    if not rows:
        print("no labels")
        return 0
    width = max(len(label) for label, _, _ in rows)
    name_width = max(len(name) for _, name, _ in rows)
    for label, name, version in rows:
        print(f"{label:<{width}}  {name:<{name_width}}  {version}")
    return 0
