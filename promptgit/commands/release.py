"""`promptgit release NAME [--bump PART] | --all`: tag committed prompts as releases, never moving a tag."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from promptgit.errors import ConfigError, ReleaseError
from promptgit.findings import Severity
from promptgit.store.atomic import write_atomic
from promptgit.store.gitstore import GitStore
from promptgit.store.releasing import (
    bump_file,
    check_clean,
    create_tags,
    drifted,
    git,
    head_commit,
    pending,
    plan,
    plan_bump,
)
from promptgit.store.selectors import MAX_NAME_LENGTH, check_name
from promptgit.store.workspace import Workspace, open_store


def check_valid(workspace: Workspace, store: GitStore, names: list[str]) -> None:
    """Run the validator on the prompts to release (the tree is clean, so the files are the commit)."""
    from promptgit.validation import validate

    paths = [store.root / workspace.git_path(name) for name in names]
    errors = [item for item in validate(workspace, paths) if item.severity is Severity.ERROR]
    if errors:
        more = f" (and {len(errors) - 1} more; run promptgit validate)" if len(errors) > 1 else ""
        raise ReleaseError(f"not released, the prompt is invalid: {errors[0].format()}{more}")


HELP = "Release committed prompts as annotated tags prompts/<name>/v<version>."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", metavar="NAME", help="the prompt to release (e.g. content/hook)")
    parser.add_argument(
        "--all", action="store_true", help="release every prompt whose version has no tag yet"
    )
    parser.add_argument(
        "--bump",
        choices=("patch", "minor", "major"),
        help="first raise the version in the file and commit that change (like npm version), then release",
    )
    parser.add_argument("-m", "--message", help="tag message (default: 'NAME VERSION')")
    parser.add_argument("--dry-run", action="store_true", help="check and print what would be released")
    parser.add_argument(
        "--push",
        action="store_true",
        help="push the new tags to --remote (replicas reading the remote cannot load a tag left behind)",
    )
    parser.add_argument("--remote", default="origin", help="the remote --push pushes to (default: origin)")


def open_repository() -> tuple[Workspace, GitStore]:
    workspace = Workspace.discover()
    store = open_store(workspace)
    if store is None:
        raise ConfigError(f"{workspace.root}: not a git repository (releases are git tags)")
    return workspace, store


def prompt_name(workspace: Workspace, text: str) -> str:
    """Accept `content/hook` or a path like `prompts/content/hook.j2`; SelectorError for a name that
    is not one (`../x`, an absolute path, NUL, newline, too long): see selectors.check_name."""
    if text.endswith(".j2") and "\0" not in text and len(text) <= MAX_NAME_LENGTH:
        name = workspace.name_of(Path(text))
        if name is not None:
            return check_name(name)
        text = text.removeprefix(f"{workspace.config.prompts_dir}/").removesuffix(".j2")
    return check_name(text)


def run(args: argparse.Namespace) -> int:
    if bool(args.name) == bool(args.all):
        raise ConfigError("release: give a prompt NAME or --all (not both)")
    if args.all and args.bump:
        raise ConfigError("release: --bump works on one prompt; bump each file, commit, then release --all")
    workspace, store = open_repository()
    try:
        if args.name:
            prompt_name(workspace, args.name)  # a name that is not one is refused before anything else
        check_clean(workspace, store)
        if args.bump:
            name = prompt_name(workspace, args.name)
            _bump_and_commit(workspace, store, name, args.bump, args.dry_run)
            if args.dry_run:
                return 0
        commit = head_commit(store)
        if args.all and _refuse_drift(workspace, store, commit):
            return 1
        names = pending(workspace, store, commit) if args.all else [prompt_name(workspace, args.name)]
        if not names:
            print("nothing to release: every prompt's version is already tagged")
            return 0
        plans = [plan(workspace, store, name, commit, args.message) for name in names]
        check_valid(workspace, store, names)
        if args.dry_run:
            for item in plans:
                print(f"would release {item.name} {item.version} (tag {item.tag} at {item.commit[:12]})")
            return 0
        create_tags(store, plans)
    finally:
        store.close()
    for item in plans:
        print(f"released {item.name} {item.version} (tag {item.tag} at {item.commit[:12]})")
    tags = [item.tag for item in plans]
    if args.push:
        return _push(tags, args.remote)
    print(
        f"push the tag{'s' if len(tags) > 1 else ''}, or replicas cannot load "
        f"{'them' if len(tags) > 1 else 'it'}: git push {args.remote} {' '.join(tags)}"
    )
    return 0


def _refuse_drift(workspace: Workspace, store: GitStore, commit: str) -> bool:
    """Print each prompt whose file differs from the tag of its version; True when there is one."""
    found = drifted(workspace, store, commit)
    for item in found:
        print(
            f"promptgit: {item.name}: {item.path} differs from its release {item.version} (tag {item.tag}) "
            f"but keeps its version; bump it (promptgit bump {item.name}), commit, then release",
            file=sys.stderr,
        )
    if found:
        what = (
            "prompt differs from the tag of its"
            if len(found) == 1
            else "prompts differ from the tags of their"
        )
        print(
            f"promptgit: release --all: {len(found)} {what} version; nothing released",
            file=sys.stderr,
        )
    return bool(found)


def _push(tags: list[str], remote: str) -> int:
    """`git push REMOTE TAG...` (the pre-push hooks run as for any push); 1 when git refuses."""
    import subprocess

    done = subprocess.run(["git", "push", remote, *tags], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        print(
            f"promptgit: the tags are released locally but not pushed; retry: git push {remote} "
            + " ".join(tags),
            file=sys.stderr,
        )
        return 1
    print(f"pushed {' '.join(tags)} to {remote}")
    return 0


def _bump_and_commit(workspace: Workspace, store: GitStore, name: str, part: str, dry_run: bool) -> None:
    """Raise the version in the file, validate, commit only that file; on any failure restore the file."""
    path = store.root / workspace.git_path(name)
    if not os.path.lexists(path):
        raise ReleaseError(f"no prompt {name} ({workspace.git_path(name)} does not exist)")
    limit = workspace.config.max_file_bytes
    if dry_run:  # a dry run writes nothing: the bump is computed, and the file as it is now validated
        bump = plan_bump(path, part, store.root, limit)  # type: ignore[arg-type]
        if bump.new in store.release_versions(name):
            raise ReleaseError(f"cannot bump {name} {bump.old} -> {bump.new}: {bump.new} is already released")
        check_valid(workspace, store, [name])
        print(f"would bump {name} {bump.old} -> {bump.new}, commit {workspace.git_path(name)} and tag it")
        return
    bump = bump_file(path, part, store.root, limit)  # type: ignore[arg-type]
    try:
        if bump.new in store.release_versions(name):
            raise ReleaseError(f"cannot bump {name} {bump.old} -> {bump.new}: {bump.new} is already released")
        check_valid(workspace, store, [name])
        git(store, "commit", "-q", "-m", f"{name}: version {bump.new}", "--", workspace.git_path(name))
    except BaseException:
        write_atomic(path, bump.original)  # nothing half-written: the file is as before, nothing committed
        raise
    print(f"bumped {name} {bump.old} -> {bump.new} (committed {workspace.git_path(name)})")
