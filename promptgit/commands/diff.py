"""`promptgit diff SELECTOR [SELECTOR]`: unified diff of two versions, or of a release and the worktree.

`promptgit diff --changed [--base REF]` shows every prompt changed since the base (what a pull request
changes), and `--format markdown` writes it for a job summary. Interface changes (breaking / additive, see
promptgit.format.interface) come first, above the text diff, because they decide the version a change needs.
"""

from __future__ import annotations

import argparse
import difflib
import sys

from promptgit.commands.release import open_repository
from promptgit.commands.show import select
from promptgit.errors import ConfigError, PromptSyntaxError
from promptgit.format.interface import Change, interface_changes
from promptgit.format.prompt import parse_document
from promptgit.store.changes import PromptChange, base_source, changed_prompts, resolve_base
from promptgit.store.lineage import ReleaseLines
from promptgit.store.selectors import Selector, parse_selector

HELP = "Unified diff of two versions of a prompt (default: the selected release against the working tree)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "old", nargs="?", metavar="SELECTOR", help="e.g. content/hook@1.0.0 (NAME alone: highest release)"
    )
    parser.add_argument(
        "new", nargs="?", metavar="SELECTOR", help="default: the same prompt in the working tree"
    )
    parser.add_argument("--ref", default="HEAD", help="where labels.yaml is read for label selectors (HEAD)")
    parser.add_argument("-U", "--unified", type=int, default=3, metavar="N", help="lines of context (3)")
    parser.add_argument(
        "--changed", action="store_true", help="every prompt changed since the base, instead of SELECTORs"
    )
    parser.add_argument("--base", metavar="REF", help="with --changed: the base (default: merge-base)")
    parser.add_argument("--format", choices=("text", "markdown"), default="text", help="output (text)")


def run(args: argparse.Namespace) -> int:
    if args.changed:
        if args.old:
            raise ConfigError("diff: give SELECTORs or --changed, not both")
        return _changed(args)
    if not args.old:
        raise ConfigError("diff: give a SELECTOR (e.g. content/hook@1.0.0), or --changed")
    old_selector = parse_selector(args.old)
    new_selector = parse_selector(args.new) if args.new else Selector(old_selector.name, "worktree")
    workspace, store = open_repository()
    try:
        old = select(workspace, store, old_selector, args.ref)
        new = select(workspace, store, new_selector, args.ref)
    finally:
        store.close()
    try:
        changes = interface_changes(parse_document("", "", old.data), parse_document("", "", new.data))
    except PromptSyntaxError:  # no interface to compare; the diff still shows the file
        changes = []
    if old.data == new.data:  # an empty diff would look like a failure: say what was compared
        implied = "" if args.new or "@" in args.old else " (its highest release)"
        what = "the working tree" if new.selector.kind == "worktree" else new.label
        print(f"{old_selector.name}: {what} is the same as {old.label}{implied}")
        return 0
    sys.stdout.write("".join(f"# {change.kind}: {change.text}\n" for change in changes))
    _write_diff(
        old.data, new.data, f"{old.label} ({old.origin})", f"{new.label} ({new.origin})", args.unified
    )
    return 0


def _write_diff(before: bytes, after: bytes, old: str, new: str, context: int) -> None:
    lines = difflib.unified_diff(
        before.decode("utf-8", "replace").splitlines(keepends=True),
        after.decode("utf-8", "replace").splitlines(keepends=True),
        fromfile=old,
        tofile=new,
        n=max(context, 0),
    )
    for line in lines:
        sys.stdout.write(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")


def _changed(args: argparse.Namespace) -> int:
    workspace, store = open_repository()
    try:
        base = resolve_base(store, args.base)
        changes = changed_prompts(base_source(workspace, store, base), workspace.source)
        lines = ReleaseLines(workspace, store)
        needs = [_needs(lines, change) for change in changes]
    finally:
        store.close()
    markdown = args.format == "markdown"
    if markdown:
        print(f"## Prompt changes since {base.label}\n")
    if not changes:
        print("No prompt changed." if markdown else f"no prompt changed since {base.label}")
    for change, need in zip(changes, needs, strict=True):
        _write_change(change, need, markdown, args.unified)
    return 0


def _needs(lines: ReleaseLines, change: PromptChange) -> str:
    """`needs 2.0.0 since its release 1.0.0` (and whether its version covers it), or ""."""
    document = change.document(change.after)
    if document is None or change.after is None:
        return ""
    judgement = lines.judge(change.name, document, change.after)
    if judgement is None or judgement.level is None:
        return ""
    verdict = "covered" if judgement.covered_by(document.version) else f"not covered by {document.version}"
    return f"since its release {judgement.released}: needs {judgement.needed} ({verdict})"


def _write_change(change: PromptChange, need: str, markdown: bool, context: int) -> None:
    before, after = change.version(change.before), change.version(change.after)
    title = (
        f"{change.name} {after} (new)"
        if change.before is None
        else f"{change.name} {before} removed"
        if change.after is None
        else f"{change.name} {before} -> {after}"
    )
    interface: list[Change] = change.interface()
    if markdown:
        print(f"### {title}\n")
        for item in interface:
            print(f"- **{item.kind}**: {item.text}")
        if need:
            print(f"- {need}")
        print("\n<details><summary>text diff</summary>\n\n```diff")
    else:
        print(f"{title} ({change.path})")
        for item in interface:
            print(f"# {item.kind}: {item.text}")
        if need:
            print(f"# {need}")
    sys.stdout.flush()
    old_name = f"a/{change.path}" if change.before is not None else "/dev/null"
    new_name = f"b/{change.path}" if change.after is not None else "/dev/null"
    _write_diff(change.before or b"", change.after or b"", old_name, new_name, context)
    if markdown:
        print("```\n\n</details>\n")
