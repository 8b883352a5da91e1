"""`promptgit hooks install` / `hooks run HOOK`: plain git hooks for repositories without pre-commit.

The installed scripts only call `promptgit hooks run <hook>`, so upgrading promptgit upgrades the hooks.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from promptgit.commands.release import open_repository
from promptgit.config import CONFIG_FILE
from promptgit.errors import GitError
from promptgit.sources.source import PARTIALS_DIR
from promptgit.store.gitstore import TAG_PREFIX, GitStore
from promptgit.store.releasing import git
from promptgit.store.staged import (
    StagedChanges,
    removed_prompt_names,
    staged_changes,
    touched_label_entries,
)
from promptgit.store.workspace import Workspace

HELP = "Install plain git hooks (pre-commit: check what a commit changes; pre-push: protect release tags)."
HOOKS = ("pre-commit", "pre-push")
PURPOSE = {
    "pre-commit": "check what the commit changes (read from the index), version rules against releases",
    "pre-push": "refuse to move or delete a pushed release tag; run the version rules",
}


def script(hook: str) -> str:
    """The text of an installed hook (the same as hooks/<hook> in the promptgit repository)."""
    return (
        "#!/bin/sh\n"
        f"# promptgit {hook} hook: {PURPOSE[hook]}.\n"
        "# Installed by `promptgit hooks install`; the logic lives in `promptgit hooks run`.\n"
        "if ! command -v promptgit >/dev/null 2>&1; then\n"
        f'    echo "promptgit {hook} hook: promptgit is not on PATH (pip install py-promptgit)" >&2\n'
        "    exit 1\n"
        "fi\n"
        f'exec promptgit hooks run {hook} "$@"\n'
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser(
        "install", help="write the hooks into the repository's hooks directory (never overwrites)"
    )
    runner = actions.add_parser("run", help="run a hook now (what the installed scripts call)")
    runner.add_argument("hook", choices=HOOKS)
    runner.add_argument(
        "--select", metavar="FAMILIES", help="pre-commit: the rule families to run (default: all)"
    )
    runner.add_argument("hook_args", nargs="*", help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    workspace, store = open_repository()
    try:
        if args.action == "install":
            return install(store)
        if args.hook == "pre-commit":
            from promptgit.validation import parse_select

            return pre_commit(workspace, store, set(parse_select(args.select)))
        return pre_push(workspace, store, sys.stdin)
    finally:
        store.close()


def install(store: GitStore) -> int:
    """Write each hook unless a different file is already there; exit 1 when one was left alone."""
    directory = Path(git(store, "rev-parse", "--git-path", "hooks").strip())
    directory = directory if directory.is_absolute() else (store.root / directory)
    directory.mkdir(parents=True, exist_ok=True)
    skipped = 0
    for hook in HOOKS:
        target = directory / hook
        text = script(hook)
        if target.exists():
            if target.read_text("utf-8", "replace") == text:
                print(f"{hook}: already installed ({target})")
            else:
                skipped += 1
                print(
                    f"{hook}: left alone, {target} exists and is not promptgit's; "
                    f"add this line to it: promptgit hooks run {hook}"
                )
            continue
        target.write_text(text, "utf-8")
        target.chmod(0o755)
        print(f"{hook}: installed {target}")
    return 1 if skipped else 0


def pre_commit(workspace: Workspace, store: GitStore, families: set[str] | None = None) -> int:
    """Check what the commit being made changes, as the index says (deletions and renames included).

    A staged promptgit.yaml re-checks the whole library under it. Outside a commit with nothing staged
    (`pre-commit run --all-files`, or by hand) the whole library is checked: git sets GIT_INDEX_FILE
    for the hooks of a commit, so a commit that stages nothing of ours is left alone.
    """
    config = (workspace.root / CONFIG_FILE).resolve()
    try:
        config_name = config.relative_to(store.root).as_posix()
    except ValueError:
        config_name = CONFIG_FILE
    staged = staged_changes(store, workspace.git_prompts_dir, config_name)
    if not staged:
        if "GIT_INDEX_FILE" in os.environ:
            return 0  # a commit that touches no prompt, partial, label or config
        return _validate(workspace, None, base="HEAD", select=families)
    paths = None if staged.config_changed else staged.to_check
    if paths:
        unstaged = git(store, "diff", "--name-only", "--", *[str(path) for path in paths]).split()
        for name in unstaged:
            print(
                f"promptgit: note: {name} has unstaged changes; the working tree version is checked",
                file=sys.stderr,
            )
    scope = None if paths is None else _version_scope(workspace, store, staged)
    return _validate(workspace, paths, base="HEAD", select=families, scope=scope)


VersionScope = tuple[list[Path], "frozenset[tuple[str, str]] | None"]


def _version_scope(workspace: Workspace, store: GitStore, staged: StagedChanges) -> VersionScope:
    """What the version rules judge for a commit: its staged prompts, the prompts that include a staged
    partial, and the label entries it adds, changes, or leaves naming a removed prompt."""
    from promptgit.validation.version_checks import prompts_including

    prompts = [path for path in staged.to_check if workspace.name_of(path) is not None]
    partials = []
    for path in staged.to_check:
        try:
            relative = path.resolve().relative_to(workspace.source.resolved_directory).as_posix()
        except (ValueError, OSError, RuntimeError):
            continue
        if relative.split("/")[0] == PARTIALS_DIR:
            partials.append(relative)
    known = set(prompts)
    prompts += [path for path in prompts_including(workspace, partials) if path not in known]
    removed = removed_prompt_names(staged.removed, workspace.git_prompts_dir)
    try:
        before = workspace.at_commit(store, store.resolve_commit("HEAD"), "HEAD")
    except GitError:  # the first commit: every entry is new
        before = None
    return prompts, touched_label_entries(store, before, workspace.source, removed)


def pre_push(workspace: Workspace, store: GitStore, updates: Iterable[str]) -> int:
    """Refuse pushes that delete or move release tags (lines: local-ref local-sha remote-ref remote-sha)."""
    refused = 0
    for line in updates:
        parts = line.split()
        if len(parts) != 4 or not parts[2].startswith(f"refs/tags/{TAG_PREFIX}"):
            continue
        _local_ref, local_sha, remote_ref, remote_sha = parts
        tag = remote_ref.removeprefix("refs/tags/")
        if set(local_sha) == {"0"}:
            refused += 1
            print(f"promptgit: refusing to delete release tag {tag}: releases are immutable", file=sys.stderr)
        elif set(remote_sha) != {"0"} and remote_sha != local_sha:
            refused += 1
            print(
                f"promptgit: refusing to move release tag {tag}: release a new version instead",
                file=sys.stderr,
            )
    if refused:
        return 1
    return _validate(workspace, None, base=None, select={"versions"})


def _validate(
    workspace: Workspace,
    paths: list[Path] | None,
    base: str | None,
    select: set[str] | None = None,
    scope: VersionScope | None = None,
) -> int:
    """Run the validator and print its text report.

    `paths` limits the file-level families; the version rules judge `scope` (the prompts and label entries
    a commit touches, `_version_scope`: a staged partial or a deleted prompt is not a prompt path, yet it
    can break a version rule, PG505, PG506), or every prompt and label when it is None.
    """
    from promptgit.format.bounded import RENDER_BYTES
    from promptgit.reporters import REPORTERS
    from promptgit.validation import FAMILIES, Report
    from promptgit.validation import run as run_validation

    families = set(FAMILIES) if select is None else select
    reports = []
    if (paths is None or paths) and families - {"versions"}:
        file_families = families - {"versions"}
        # a hook runs in a process of its own: bound what a hostile sample render may take
        reports.append(
            run_validation(workspace, paths, base=base, select=file_families, sample_memory=RENDER_BYTES)
        )
    if "versions" in families:
        prompts, entries = scope if scope is not None else (None, None)
        reports.append(
            run_validation(workspace, prompts, base=base, select={"versions"}, label_entries=entries)
        )
    findings = sorted({item for report in reports for item in report.findings})
    report = Report(findings, max((report.files_checked for report in reports), default=0))
    if findings:
        sys.stdout.write(REPORTERS["text"](report))
        sys.stdout.flush()
    # one line on stderr that says what happened, also when only warnings let the commit through (the
    # pre-commit framework shows it with `verbose: true`, which promptgit's hooks set)
    if report.errors:
        print(f"promptgit: {_count(report.errors, 'error')}: commit refused", file=sys.stderr)
    elif report.warnings:
        print(f"promptgit: {_count(report.warnings, 'warning')}; the commit goes ahead", file=sys.stderr)
    return 1 if report.errors else 0


def _count(number: int, what: str) -> str:
    return f"{number} {what}{'' if number == 1 else 's'}"
