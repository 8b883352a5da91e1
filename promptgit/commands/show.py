"""`promptgit show SELECTOR`: a prompt file (metadata and body) as released, labelled or in the worktree."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

from promptgit.commands.release import open_repository
from promptgit.errors import PromptNotFoundError, PromptSyntaxError, did_you_mean
from promptgit.format.prompt import parse_document
from promptgit.store.gitstore import GitStore
from promptgit.store.selectors import Selector, parse_selector
from promptgit.store.workspace import Workspace

HELP = "Show a prompt at a version: NAME, NAME@1.2.0, NAME@^1, NAME@production or NAME@worktree."


@dataclass(frozen=True)
class Selected:
    """The bytes of one prompt file picked by a selector, and where they came from."""

    selector: Selector
    version: str
    data: bytes
    origin: str  # "tag prompts/a/v1.0.0 at abc123" or "working tree prompts/a.j2"
    label: str  # short name for diff headers: a@1.0.0, a@worktree


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("selector", metavar="SELECTOR", help="e.g. content/hook@production")
    parser.add_argument("--ref", default="HEAD", help="where labels.yaml is read for label selectors (HEAD)")
    parser.add_argument("--raw", action="store_true", help="print only the file, without the header line")


def select(workspace: Workspace, store: GitStore, selector: Selector, ref: str = "HEAD") -> Selected:
    """Resolve `selector` to file content: the release's blob, or the working tree file."""
    if selector.kind == "worktree":
        found = workspace.source.read_prompt(selector.name)
        if found is None:
            names = [name for name in map(workspace.name_of, workspace.prompt_files()) if name]
            listed = did_you_mean(selector.name, names, "prompts")
            shown = workspace.display_path(workspace.path_of(selector.name))
            raise PromptNotFoundError(f"{selector}: {shown} does not exist ({listed})")
        version = version_of(found.data)
        return Selected(selector, version, found.data, f"working tree {found.path}", str(selector))
    head = workspace.at_commit(store, store.resolve_commit(ref), label=ref)
    version = store.resolve_version(selector, head)
    release = store.release(selector.name, version)
    found = workspace.at_commit(store, release.commit).read_prompt(selector.name)
    if found is None:
        raise PromptNotFoundError(
            f"{selector}: {release.tag} does not contain {head.prompt_path(selector.name)}"
        )
    declared = version_of(found.data)
    if declared != version:  # tagged by hand on the wrong commit: refused, as the loader does
        raise PromptNotFoundError(
            f"{selector}: tag {release.tag} points at a commit whose {head.prompt_path(selector.name)} "
            f"says version {declared}; not served as {version} (a release's file carries its version)"
        )
    origin = f"tag {release.tag} at {release.commit[:12]}"
    reason = store.yank_reason(selector.name, version, head)
    if reason is not None:  # only an exact pin or a label gets here: the others skip yanked releases
        why = f" ({reason})" if reason else ""
        print(
            f"promptgit: warning: {selector.name} {version} is yanked{why}; shown because {selector} pins it",
            file=sys.stderr,
        )
    return Selected(selector, version, found.data, origin, f"{selector.name}@{version}")


def version_of(data: bytes) -> str:
    """The `version` in a prompt file's front matter; `?` when the file does not parse."""
    try:
        return parse_document("", "", data).version or "?"
    except PromptSyntaxError:
        return "?"


def run(args: argparse.Namespace) -> int:
    selector = parse_selector(args.selector)
    workspace, store = open_repository()
    try:
        selected = select(workspace, store, selector, args.ref)
    finally:
        store.close()
    if not args.raw:
        print(f"# {selector.name} {selected.version} ({selected.origin})")
    text = selected.data.decode("utf-8", "replace")
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
