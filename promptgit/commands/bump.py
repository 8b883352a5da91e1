"""`promptgit bump NAME [patch|minor|major]`: raise a prompt's version in the working tree.

The step between editing a released prompt and committing it: the version rules (PG501) refuse a prompt
that differs from its last release with a version that does not cover the change, so the bump belongs in
the same commit as the change. Without a part, the part is what the change since the last release needs
(breaking: major, additive: minor, else patch; patch for a prompt never released). Nothing is committed
or tagged here; `promptgit release` does that once the change is merged.
"""

from __future__ import annotations

import argparse
import os

from promptgit.commands.release import prompt_name
from promptgit.errors import PromptNotFoundError, PromptSyntaxError, ReleaseError
from promptgit.format.prompt import parse_document
from promptgit.store.lineage import Judgement, ReleaseLines, part_to_reach
from promptgit.store.releases import release_tag
from promptgit.store.releasing import Part, bump_file
from promptgit.store.selectors import compare_versions, is_version
from promptgit.store.workspace import Workspace, open_store

HELP = "Raise a prompt's version in its file (by default as much as the change since its release needs)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="e.g. content/hook, or its file path")
    parser.add_argument(
        "part",
        nargs="?",
        choices=("patch", "minor", "major"),
        help="which part (default: what the change since the last release needs; patch if never released)",
    )


def run(args: argparse.Namespace) -> int:
    workspace = Workspace.discover()
    name = prompt_name(workspace, args.name)
    path = workspace.path_of(name)
    if not os.path.lexists(path):
        raise PromptNotFoundError(f"no prompt {name!r}: {workspace.display_path(path)} does not exist")
    part: Part | None = args.part
    if part is None:
        version, judgement = judge(workspace, name)
        if (
            judgement is not None
            and judgement.level is None
            and _partials_changed(workspace, name, judgement)
        ):
            print(f"{name}: a partial it includes changed since its release {judgement.released}: patch")
            part = "patch"
        else:
            part = _needed_part(name, (version, judgement))
        if part is None:
            return 0
    bump = bump_file(path, part, workspace.root, workspace.config.max_file_bytes)
    print(f"{name}: {bump.old} -> {bump.new} ({workspace.display_path(path)})")
    return 0


def judge(workspace: Workspace, name: str) -> tuple[str, Judgement | None]:
    """The working-tree version of `name` and the judgement of its file against its last release."""
    path = workspace.path_of(name)
    shown = workspace.display_path(path)
    data = workspace.read_file(path, shown)
    try:
        document = parse_document(name, shown, data)
    except PromptSyntaxError as exc:
        raise ReleaseError(f"{exc}") from None
    if not is_version(document.version):
        raise ReleaseError(f"{path.name}: no 'version: x.y.z' line in the front matter to bump")
    store = open_store(workspace)
    if store is None:
        return document.version, None
    try:
        return document.version, ReleaseLines(workspace, store).judge(name, document, data)
    finally:
        store.close()


def _partials_changed(workspace: Workspace, name: str, judgement: Judgement) -> bool:
    """Whether a partial the (unchanged) prompt includes differs from the one in its release's commit."""
    from promptgit.validation.version_checks import check_versions

    tag = release_tag(name, judgement.released)
    findings = check_versions(workspace, f"refs/tags/{tag}^{{commit}}", [workspace.path_of(name)])
    return any(item.code == "PG506" for item in findings)


def _needed_part(name: str, judged: tuple[str, Judgement | None]) -> Part | None:
    """The part to bump for the change since the last release; None (and why, printed) when none is."""
    version, judgement = judged
    if judgement is None:
        return "patch"  # never released (or not in git): the version is the author's to choose
    released = judgement.released
    if compare_versions(version, released) < 0:
        raise ReleaseError(f"{name} {version} is below its last release {released}; give the part to bump")
    if judgement.level is None:
        print(f"{name}: unchanged since its release {released}; nothing to bump (give a part to bump anyway)")
        return None
    print(f"{name}: since its release {released}: {judgement.summary}, needs {judgement.needed}")
    if judgement.covered_by(version):
        print(f"{name}: {version} already covers it")
        return None
    return part_to_reach(version, judgement.needed)
