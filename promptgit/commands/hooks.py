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
from promptgit.store.unstaged import staged_in_worktree
from promptgit.store.workspace import Workspace

HELP = "Install plain git hooks (pre-commit: check what a commit changes; pre-push: protect release tags)."
HOOKS = ("pre-commit", "pre-push")
PURPOSE = {
    "pre-commit": "check what the commit changes (the staged files), version rules against releases",
    "pre-push": "refuse to move or delete a pushed release tag; run the version rules",
}


def script(hook: str, python: str = "") -> str:
    """The text of an installed hook. `python`: the interpreter `hooks install` ran under, tried first, so
    the hook works where promptgit is not on PATH (GUI git clients, an unactivated virtualenv); the
    shipped hooks/<hook> files record none and use the `promptgit` on PATH."""
    quoted = python.replace("'", "'\\''")
    action = "commit" if hook == "pre-commit" else "push"
    return (
        "#!/bin/sh\n"
        f"# promptgit {hook} hook: {PURPOSE[hook]}.\n"
        "# Installed by `promptgit hooks install`; the logic lives in `promptgit hooks run`.\n"
        f"PROMPTGIT_PYTHON='{quoted}'  # the interpreter that installed this hook ('': none recorded)\n"
        'if [ -n "$PROMPTGIT_PYTHON" ] && [ -x "$PROMPTGIT_PYTHON" ]; then\n'
        f'    exec "$PROMPTGIT_PYTHON" -m promptgit hooks run {hook} "$@"\n'
        "fi\n"
        "if command -v promptgit >/dev/null 2>&1; then\n"
        f'    exec promptgit hooks run {hook} "$@"\n'
        "fi\n"
        'if [ -n "$PROMPTGIT_PYTHON" ]; then\n'
        f'    gone="$PROMPTGIT_PYTHON (which installed this hook) is gone and no promptgit is on PATH"\n'
        "else\n"
        '    gone="promptgit is not on PATH"\n'
        "fi\n"
        f'echo "promptgit {hook} hook: cannot run promptgit: $gone. Activate the environment promptgit is '
        "installed in (or install it as the README says) and run \\`promptgit hooks install\\` again; "
        f'to {action} once without the checks: git {action} --no-verify" >&2\n'
        "exit 1\n"
    )


def _ours(text: str, hook: str) -> bool:
    """A hook file promptgit wrote (any version, any recorded interpreter): safe to rewrite."""
    lines = text.splitlines()
    return (
        len(lines) > 2 and lines[1].startswith(f"# promptgit {hook} hook:") and "promptgit hooks" in lines[2]
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
        return pre_push(workspace, store, push_updates(sys.stdin), push_remote(args.hook_args))
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
        text = script(hook, sys.executable)
        if target.exists():
            existing = target.read_text("utf-8", "replace")
            if existing == text:
                print(f"{hook}: already installed ({target})")
            elif _ours(existing, hook):  # an older promptgit's, or another interpreter's: brought up to date
                target.write_text(text, "utf-8")
                target.chmod(0o755)
                print(f"{hook}: updated {target} (runs {sys.executable})")
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
    # what the commit takes is the index: unstaged edits are set aside while the checks run
    with staged_in_worktree(store, [workspace.git_prompts_dir, config_name]) as unstaged:
        for name in unstaged:
            print(
                f"promptgit: note: {name} has unstaged changes; the staged version is checked",
                file=sys.stderr,
            )
        # a staged file deleted on disk is back
        staged = staged_changes(store, workspace.git_prompts_dir, config_name)
        paths = None if staged.config_changed else staged.to_check
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


Z40 = "0" * 40
UNKNOWN = "-"  # the remote's value of a ref, when the hook was not told it (read from the remote instead)


def push_remote(hook_args: list[str]) -> str:
    """The remote being pushed to: git passes the plain hook its name and URL; the pre-commit framework
    sets PRE_COMMIT_REMOTE_NAME. A remote without a name (a URL) is named by its URL."""
    if hook_args:
        return hook_args[0]
    return os.environ.get("PRE_COMMIT_REMOTE_NAME") or os.environ.get("PRE_COMMIT_REMOTE_URL") or "origin"


def push_updates(stdin: Iterable[str]) -> list[str]:
    """The lines git gives a pre-push hook (local-ref local-sha remote-ref remote-sha).

    The pre-commit framework reads them itself and passes its hooks one ref through the environment
    (PRE_COMMIT_LOCAL_BRANCH, PRE_COMMIT_TO_REF, PRE_COMMIT_REMOTE_BRANCH): the other refs of the same
    push (a tag pushed with the branch) are not seen, so there a tag must be pushed before its label.
    """
    interactive = getattr(stdin, "isatty", lambda: False)()  # run by hand: no lines to wait for
    lines = [line for line in ([] if interactive else stdin) if line.strip()]
    local_ref = os.environ.get("PRE_COMMIT_LOCAL_BRANCH")
    if lines or not local_ref:
        return lines
    local_sha = os.environ.get("PRE_COMMIT_TO_REF") or local_ref
    remote_ref = os.environ.get("PRE_COMMIT_REMOTE_BRANCH") or local_ref
    # PRE_COMMIT_FROM_REF is where the framework diffs from, not the remote's value of the ref
    return [f"{local_ref} {local_sha} {remote_ref} {UNKNOWN}"]


def pre_push(workspace: Workspace, store: GitStore, updates: Iterable[str], remote: str = "origin") -> int:
    """Refuse pushes that delete or move release tags, or whose labels name a release tag the remote will
    not have (lines: local-ref local-sha remote-ref remote-sha); then the version rules."""
    refused = 0
    branches: list[tuple[str, str, str]] = []  # (local ref, commit, remote ref) of pushed branches
    pushed_tags: set[str] = set()
    remote_tags = _RemoteTags(store, remote)
    for line in updates:
        parts = line.split()
        if len(parts) != 4:
            continue
        local_ref, local_sha, remote_ref, remote_sha = parts
        if remote_sha == UNKNOWN and remote_ref.startswith(f"refs/tags/{TAG_PREFIX}"):
            remote_sha = remote_tags.get().get(remote_ref.removeprefix("refs/tags/"), Z40)
        if local_sha == local_ref:  # the framework named the ref, not its object
            local_sha = git(store, "rev-parse", local_ref).strip()
        if remote_ref.startswith("refs/tags/") and set(local_sha) != {"0"}:
            pushed_tags.add(remote_ref.removeprefix("refs/tags/"))
        if remote_ref.startswith("refs/heads/") and set(local_sha) != {"0"}:
            branches.append((local_ref, local_sha, remote_ref))
        if not remote_ref.startswith(f"refs/tags/{TAG_PREFIX}"):
            continue
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
    unpublished = _unpublished_labels(workspace, store, branches, pushed_tags, remote_tags) if branches else 0
    checked = _validate(workspace, None, base=None, select={"versions"})
    return 1 if unpublished else checked


class _RemoteTags:
    """The remote's release tags, listed once per push and only when needed."""

    def __init__(self, store: GitStore, remote: str) -> None:
        self.store = store
        self.remote = remote
        self._tags: dict[str, str] | None = None

    def get(self) -> dict[str, str]:
        from promptgit.store.published import remote_release_tags

        if self._tags is None:
            self._tags = remote_release_tags(self.store, self.remote)
        return self._tags


def _unpublished_labels(
    workspace: Workspace,
    store: GitStore,
    branches: list[tuple[str, str, str]],
    pushed_tags: set[str],
    remote_tags: _RemoteTags,
) -> int:
    """Print one line per label entry of a pushed branch whose release tag the remote will lack."""
    from promptgit.errors import GitError
    from promptgit.store.published import unpublished_labels

    remote = remote_tags.remote
    try:
        published = set(remote_tags.get()) | pushed_tags
    except GitError as exc:
        print(f"promptgit: refusing to push: {exc}", file=sys.stderr)
        return 1
    refused = 0
    for local_ref, commit, remote_ref in branches:
        try:
            commit = store.resolve_commit(commit)
        except GitError:
            continue  # not a commit of this repository (nothing of ours to check)
        source = workspace.at_commit(store, commit)
        for entry in unpublished_labels(store, source, published):
            refused += 1
            where = f"{source.labels_path} has label {entry.label} -> {entry.name}@{entry.version}"
            if entry.exists_locally:
                local, target = _short(local_ref), _short(remote_ref)
                branch = local if local == target else f"{local}:{target}"
                fix = (
                    f"is neither on {remote} nor in this push; "
                    f"push them together: git push {remote} {branch} {entry.tag}"
                )
            else:
                fix = f"does not exist; release it first: promptgit release {entry.name}"
            print(
                f"promptgit: refusing to push {remote_ref}: {where}, but tag {entry.tag} {fix}",
                file=sys.stderr,
            )
    return refused


def _short(ref: str) -> str:
    return ref.removeprefix("refs/heads/")


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
