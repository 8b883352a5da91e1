"""`promptgit tokens [PATH...] [--base REF] [--exact] [--format text|json|markdown]`: the token report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from promptgit.errors import ConfigError, GitError, PromptgitError
from promptgit.format.bounded import RENDER_BYTES
from promptgit.sources import CommitSource, PromptSource
from promptgit.store.gitstore import GitStore
from promptgit.store.workspace import Workspace
from promptgit.tokens.formats import FORMATS
from promptgit.tokens.models import model_table
from promptgit.tokens.report import Estimate, Estimator, Row, TokenReport, problem_line, sort_rows

HELP = "Report the tokens of each prompt's sample render, its budget, and the change against a base ref."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="prompt files or directories (default: all)")
    parser.add_argument("--base", metavar="REF", help="compare with the prompts at this git ref")
    parser.add_argument(
        "--exact", action="store_true", help="count with tiktoken where the encoding is available offline"
    )
    parser.add_argument(
        "--format", choices=sorted(FORMATS), default="text", help="output format (default: text)"
    )


def run(args: argparse.Namespace) -> int:
    workspace = Workspace.discover()
    config = workspace.config
    table = model_table(config.models)
    files = selected_files(workspace, [Path(path) for path in args.paths])

    problems: list[str] = []
    current = workspace.source
    estimator = Estimator(config, table, current.read_partial, exact=args.exact, memory=RENDER_BYTES)
    names = [workspace.name_of(path) or "" for path in files]
    now, failed = estimate_prompts(current, estimator, names, problems)
    base: dict[str, Estimate] = {}
    if args.base:
        store, base_source = open_base(workspace, args.base)
        try:
            base_names = set(now) | (set() if args.paths else set(base_source.names()) - failed)
            base_estimator = Estimator(
                config, table, base_source.read_partial, exact=args.exact, memory=RENDER_BYTES
            )
            base, _ = estimate_prompts(base_source, base_estimator, sorted(base_names), problems)
        finally:
            store.close()

    rows = [Row(name, now.get(name), base.get(name)) for name in set(now) | set(base)]
    report = TokenReport(sort_rows(rows, bool(args.base)), base_ref=args.base, problems=problems)
    sys.stdout.write(FORMATS[args.format](report))
    if args.format == "text":
        for problem in problems:
            print(f"promptgit: {problem}", file=sys.stderr)
    return 1 if failed else 0


def open_base(workspace: Workspace, ref: str) -> tuple[GitStore, CommitSource]:
    """The repository's store and its prompts at `ref` (`--base`); GitError naming the option."""
    try:
        store = GitStore(workspace.root)
        commit = store.resolve_commit(ref)
    except GitError as exc:
        raise GitError(f"--base {ref}: {exc}") from None
    return store, workspace.at_commit(store, commit, label=ref)


def estimate_prompts(
    source: PromptSource, estimator: Estimator, names: list[str], problems: list[str]
) -> tuple[dict[str, Estimate], set[str]]:
    """Estimates of prompts of `source` by name, and the names that could not be estimated; a name the
    source does not have is skipped (new since the base). Problems at a commit say which."""
    estimates: dict[str, Estimate] = {}
    failed: set[str] = set()
    at = f" (at {source.describe()})" if source.commit is not None else ""
    for name in names:
        shown = source.prompt_path(name)
        try:
            found = source.read_prompt(name)
            if found is None:
                continue
            estimates[name] = estimator.estimate(name, found.path, found.data)
        except PromptgitError as exc:
            problems.append(f"{problem_line(shown, exc)}{at}")
            failed.add(name)
    return estimates, failed


def selected_files(workspace: Workspace, paths: list[Path]) -> list[Path]:
    """The prompt files named by `paths` (files or directories); every prompt when none are given."""
    if not paths:
        return list(workspace.prompt_files())
    every = list(workspace.prompt_files())
    selected: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = [file for file in every if file.resolve().is_relative_to(path.resolve())]
            selected.extend(file for file in inside if file not in selected)
        elif not path.exists():
            raise ConfigError(f"{path}: no such file or directory")
        elif workspace.name_of(path) is None:
            raise ConfigError(
                f"{path}: not a prompt (a .j2 file under {workspace.config.prompts_dir}/, outside partials/)"
            )
        elif path not in selected:
            selected.append(path)
    return selected
