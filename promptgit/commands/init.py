"""`promptgit init [DIR] [--ci github]`: a new prompt repository with config, labels, an example prompt,
the JSON Schemas its files point at, and with `--ci github` a pre-commit config and two workflows pinned
to this promptgit (see commands/adoption.py)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from promptgit.commands.adoption import (
    DISTRIBUTION,
    PRE_COMMIT_CONFIG,
    ci_files,
    installed_requirement,
    merge_pre_commit_config,
)
from promptgit.commands.schema import INIT_DIR, NAMES, schema_text
from promptgit.config import CONFIG_FILE
from promptgit.errors import ConfigError
from promptgit.resources import data_text
from promptgit.sources import LABELS_FILE

HELP = (
    "Create a prompt repository: promptgit.yaml, prompts/ with an example prompt, labels.yaml; "
    "--ci github adds a pinned pre-commit config and pull request and release workflows."
)
EXAMPLE_NAME = "examples/summarize"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "target", nargs="?", default=".", metavar="DIR", help="where to create it (default: .)"
    )
    parser.add_argument(
        "--no-git", action="store_true", help="do not run `git init` when DIR is not in a repository"
    )
    parser.add_argument(
        "--ci",
        choices=("github",),
        help="also write .pre-commit-config.yaml and GitHub workflows that install this promptgit",
    )
    parser.add_argument(
        "--requirement",
        metavar="REQ",
        help=f"the pip requirement CI installs (default: this promptgit, e.g. '{DISTRIBUTION}==1.2.0' or "
        f"'{DISTRIBUTION} @ git+URL@COMMIT' as pip recorded it)",
    )


def run(args: argparse.Namespace) -> int:
    root = Path(args.target)
    files = [
        (CONFIG_FILE, data_text("init_promptgit.yaml")),
        (f"prompts/{EXAMPLE_NAME}.j2", data_text("init_example.j2")),
        (f"prompts/{LABELS_FILE}", data_text("init_labels.yaml")),
        *((f"{INIT_DIR}/{name}.schema.json", schema_text(name)) for name in NAMES),
    ]
    kept: list[str] = []
    merged: list[tuple[str, str]] = []
    if args.ci:
        if (root / CONFIG_FILE).exists():  # an existing prompt repository: add CI, keep what is there
            kept = [relative for relative, _ in files if (root / relative).exists()]
            files = [(relative, text) for relative, text in files if relative not in kept]
        requirement = args.requirement or installed_requirement()
        if "file:" in requirement.partition("@")[2]:  # git+file://, file:// : a path only this machine has
            print(
                f"promptgit: warning: the pin {requirement!r} installs from a path on this machine, "
                "which a CI runner does not have; pass --requirement with a URL CI can reach "
                f"(git+https://...@COMMIT, or {DISTRIBUTION}==X.Y.Z from an index)",
                file=sys.stderr,
            )
        ci = ci_files(requirement, "prompts")
        config = root / PRE_COMMIT_CONFIG
        if config.is_file() and not config.is_symlink():  # most Python repositories have one
            ours = dict(ci).pop(PRE_COMMIT_CONFIG)
            merged = [(PRE_COMMIT_CONFIG, merge_pre_commit_config(config.read_text("utf-8"), ours))]
            ci = [(relative, text) for relative, text in ci if relative != PRE_COMMIT_CONFIG]
        files += ci
    write_new_files(
        [(root / relative, text) for relative, text in files], [relative for relative, _ in files]
    )
    for relative in kept:
        print(f"kept {(root / relative).as_posix()} (exists)")
    for relative, text in merged:
        (root / relative).write_text(text, "utf-8")
        print(f"added promptgit's hooks to {(root / relative).as_posix()}")
    for relative, _ in files:
        print(f"created {(root / relative).as_posix()}")
    if not args.no_git and _initialise_git(root):
        print(f"initialised a git repository in {root.as_posix()}")
    enter = "" if root == Path(".") else f"cd {root.as_posix()} && "
    hooks = " && pre-commit install" if args.ci else ""
    print(f"next: {enter}promptgit validate && promptgit render {EXAMPLE_NAME}@worktree --sample{hooks}")
    return 0


def _initialise_git(root: Path) -> bool:
    """`git init` unless `root` already is inside a work tree; True when a repository was created."""
    import git

    try:
        git.Repo(root, search_parent_directories=True)
        return False
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        git.Repo.init(root, initial_branch="main")  # the branch the release workflow fires on
        return True


def write_new_files(files: Sequence[tuple[Path, str]], shown: Sequence[str]) -> None:
    """Write every file or none: any that exists is refused before anything is written."""
    for (path, _), name in zip(files, shown, strict=True):
        if path.exists() or path.is_symlink():
            raise ConfigError(f"{name} already exists; refusing to overwrite it")
    written: list[Path] = []
    try:
        for path, text in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("x", encoding="utf-8") as stream:
                written.append(path)
                stream.write(text)
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise ConfigError(f"cannot write {exc.filename}: {exc.strerror}") from None
