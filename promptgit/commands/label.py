"""`promptgit label set LABEL NAME@VERSION` / `label split LABEL NAME V=W...` / `label unset LABEL NAME` /
`label list`: edit and read prompts/labels.yaml."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from promptgit.commands.release import open_repository
from promptgit.errors import ConfigError, GitError, PromptNotFoundError
from promptgit.sources import LABELS_FILE
from promptgit.store.atomic import edit_lock, write_atomic
from promptgit.store.labels_file import parse_labels, set_label, set_split, split_text, unset_label
from promptgit.store.releases import release_tag
from promptgit.store.selectors import parse_selector
from promptgit.store.traffic_split import TOTAL_WEIGHT, Split, make_split
from promptgit.store.workspace import Workspace

HELP = "Point a label at a released version (edits prompts/labels.yaml; you commit it), or list labels."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    setter = actions.add_parser("set", help="point LABEL at NAME@VERSION (a released version)")
    setter.add_argument("label", metavar="LABEL", help="e.g. production")
    setter.add_argument("target", metavar="NAME@VERSION", help="e.g. content/hook@1.3.0")
    splitter = actions.add_parser(
        "split", help="split LABEL's traffic for NAME between released versions: 1.2.0=90 1.3.0=10"
    )
    splitter.add_argument("label", metavar="LABEL", help="e.g. production")
    splitter.add_argument("name", metavar="NAME", help="e.g. content/hook")
    splitter.add_argument(
        "weights", metavar="VERSION=WEIGHT", nargs="+", help=f"whole-number weights summing to {TOTAL_WEIGHT}"
    )
    unsetter = actions.add_parser("unset", help="remove NAME from LABEL (a label left empty goes too)")
    unsetter.add_argument("label", metavar="LABEL", help="e.g. staging")
    unsetter.add_argument("name", metavar="NAME", help="prompt name, e.g. content/hook")
    lister = actions.add_parser("list", help="list labels (from the working tree, or --ref)")
    lister.add_argument("--ref", help="read labels.yaml at this commit instead of the working tree")


def run(args: argparse.Namespace) -> int:
    actions = {"set": _set, "split": _split, "unset": _unset, "list": _list}
    return actions[args.action](args)


def _set(args: argparse.Namespace) -> int:
    selector = parse_selector(args.target)
    if selector.kind != "exact" or selector.spec is None:
        raise ConfigError(
            f"label set: {args.target!r} must name an exact version, e.g. {selector.name}@1.2.0"
        )
    workspace = _released_prompt(selector.name, [selector.spec], str(selector))
    path = workspace.prompts_dir / LABELS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    # read, edit and write under the file's lock: concurrent edits all land (store/atomic.py)
    with edit_lock(path):
        text = _read(workspace, path)
        change = set_label(text, args.label, selector.name, selector.spec)
        shown = workspace.display_path(path)
        if change.previous == selector.spec:
            print(f"{args.label}: {selector.name} is already {selector.spec}; {shown} unchanged")
            return 0
        _write(path, change.text)
    was = f" (was {change.previous}, a split ended)" if isinstance(change.previous, Split) else ""
    was = was or (f" (was {change.previous})" if change.previous else "")
    print(f"{args.label}: {selector.name} -> {selector.spec}{was}; commit {shown} to apply")
    return 0


def _split(args: argparse.Namespace) -> int:
    name = parse_selector(args.name).name
    split = _parse_weights(args.weights)
    workspace = _released_prompt(name, list(split.versions), name)
    path = workspace.prompts_dir / LABELS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    # read, edit and write under the file's lock: concurrent edits all land (store/atomic.py)
    with edit_lock(path):
        text = _read(workspace, path)
        change = set_split(text, args.label, name, split)
        shown = workspace.display_path(path)
        if change.previous == split:
            print(f"{args.label}: {name} is already split {split_text(split)}; {shown} unchanged")
            return 0
        _write(path, change.text)
    previous = change.previous
    was = f" (was {split_text(previous) if isinstance(previous, Split) else previous})" if previous else ""
    print(f"{args.label}: {name} -> {split_text(split)}{was}; commit {shown} to apply")
    return 0


def _unset(args: argparse.Namespace) -> int:
    workspace = Workspace.discover()  # removing an entry needs no release: any working tree will do
    path = workspace.prompts_dir / LABELS_FILE
    shown = workspace.display_path(path)
    if not os.path.lexists(path):
        raise PromptNotFoundError(f"label unset: no label {args.label!r}: {shown} does not exist")
    # read, edit and write under the file's lock, like set and split (store/atomic.py)
    with edit_lock(path):
        text = _read(workspace, path)
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
    previous = change.previous
    was = split_text(previous) if isinstance(previous, Split) else previous
    print(f"{args.label}: {args.name} removed (was {was}); commit {shown} to apply")
    return 0


def _parse_weights(pairs: list[str]) -> Split:
    weights: dict[str, int] = {}
    for pair in pairs:
        version, equals, weight = pair.partition("=")
        if not equals or not weight.strip().isdigit():
            raise ConfigError(f"label split: {pair!r} must be VERSION=WEIGHT, e.g. 1.3.0=10")
        if version.strip() in weights:
            raise ConfigError(f"label split: version {version.strip()} is given twice")
        weights[version.strip()] = int(weight)
    try:
        split = make_split(weights)
    except ValueError as exc:
        raise ConfigError(f"label split: {exc}") from None
    total = sum(weights.values())
    if total != TOTAL_WEIGHT:
        raise ConfigError(f"label split: weights sum to {total}, not {TOTAL_WEIGHT}")
    return split


def _released_prompt(name: str, versions: list[str], what: str) -> Workspace:
    """The workspace, once every version of `name` is released and the prompt exists in the working tree."""
    workspace, store = open_repository()
    try:
        released = store.release_versions(name)
        for version in versions:
            if version not in released:
                raise PromptNotFoundError(
                    f"refusing to label {name}@{version}: it is not released "
                    f"(no tag {release_tag(name, version)})"
                )
            try:  # the tag must be a release: it peels to a commit (issue 21.16)
                store.release(name, version)
            except GitError:
                raise ConfigError(
                    f"label set: tag {release_tag(name, version)} does not point at a commit; it is not a "
                    f"release (promptgit release {name} makes one)"
                ) from None
    finally:
        store.close()
    if not workspace.path_of(name).is_file():
        raise PromptNotFoundError(
            f"refusing to label {what}: {workspace.display_path(workspace.path_of(name))} "
            "does not exist in the working tree (labels may only point at existing prompts)"
        )
    return workspace


def _write(path: Path, text: str) -> None:
    write_atomic(path, text.encode("utf-8"))  # a unique temporary file renamed: never half-written


def _read(workspace: Workspace, path: Path) -> str:
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
            labels = store.labels(workspace.at_commit(store, store.resolve_commit(args.ref), args.ref))
        else:
            path = workspace.prompts_dir / LABELS_FILE
            text = _read(workspace, path)
            labels = parse_labels(text, workspace.display_path(path))
    finally:
        store.close()
    rows = [
        (label, name, split_text(entry) if isinstance(entry, Split) else entry)
        for label, entries in labels.items()
        for name, entry in entries.items()
    ]
    if not rows:
        print("no labels")
        return 0
    width = max(len(label) for label, _, _ in rows)
    name_width = max(len(name) for _, name, _ in rows)
    for label, name, version in rows:
        print(f"{label:<{width}}  {name:<{name_width}}  {version}")
    return 0
