"""`promptgit label set LABEL NAME@VERSION` / `label unset LABEL NAME` / `label list`: prompts/labels.yaml."""

from __future__ import annotations

import argparse
from pathlib import Path

from promptgit.commands.release import open_repository
from promptgit.errors import ConfigError, PromptNotFoundError
from promptgit.store.labels import parse_labels, set_label, unset_label
from promptgit.store.releases import release_tag
from promptgit.store.selectors import parse_selector
from promptgit.store.workspace import LABELS_FILE, Workspace

HELP = "Point a label at a released version (edits prompts/labels.yaml; you commit it), or list labels."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    setter = actions.add_parser("set", help="point LABEL at NAME@VERSION (a released version)")
    setter.add_argument("label", metavar="LABEL", help="e.g. production")
    setter.add_argument("target", metavar="NAME@VERSION", help="e.g. content/hook@1.3.0")
    unsetter = actions.add_parser("unset", help="remove NAME from LABEL (a label left empty goes too)")
    unsetter.add_argument("label", metavar="LABEL", help="e.g. staging")
    unsetter.add_argument("name", metavar="NAME", help="prompt name, e.g. content/hook")
    lister = actions.add_parser("list", help="list labels (from the working tree, or --ref)")
    lister.add_argument("--ref", help="read labels.yaml at this commit instead of the working tree")


def run(args: argparse.Namespace) -> int:
    actions = {"set": _set, "unset": _unset, "list": _list}
    return actions[args.action](args)


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
    text = path.read_text("utf-8") if path.is_file() else ""
    change = set_label(text, args.label, selector.name, selector.spec)
    shown = workspace.display_path(path)
    if change.previous == selector.spec:
        print(f"{args.label}: {selector.name} is already {selector.spec}; {shown} unchanged")
        return 0
    _write(path, change.text)
    was = f" (was {change.previous})" if change.previous else ""
    print(f"{args.label}: {selector.name} -> {selector.spec}{was}; commit {shown} to apply")
    return 0


def _unset(args: argparse.Namespace) -> int:
    workspace = Workspace.discover()  # removing an entry needs no release: any working tree will do
    path = workspace.prompts_dir / LABELS_FILE
    shown = workspace.display_path(path)
    text = path.read_text("utf-8") if path.is_file() else ""
    change = unset_label(text, args.label, args.name)
    if change.previous is None:
        entries = parse_labels(text, shown).get(args.label)
        if entries is None:
            raise PromptNotFoundError(f"label unset: no label {args.label!r} in {shown}")
        raise PromptNotFoundError(
            f"label unset: {args.label} has no entry {args.name!r} in {shown} "
            f"(it has: {', '.join(sorted(entries)) or 'nothing'})"
        )
    _write(path, change.text)
    print(f"{args.label}: {args.name} removed (was {change.previous}); commit {shown} to apply")
    return 0


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, "utf-8")
    temporary.replace(path)  # atomic: never a half-written labels file


def _list(args: argparse.Namespace) -> int:
    workspace, store = open_repository()
    try:
        if args.ref:
            labels = store.labels(store.resolve_commit(args.ref))
        else:
            path = workspace.prompts_dir / LABELS_FILE
            text = path.read_text("utf-8") if path.is_file() else ""
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
