"""`promptgit tokens [PATH...] [--base REF] [--exact] [--format text|json|markdown]`: the token report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from promptgit.errors import ConfigError, PromptgitError
from promptgit.format.bounded import RENDER_BYTES
from promptgit.store.workspace import Workspace
from promptgit.tokens.formats import FORMATS
from promptgit.tokens.models import model_table
from promptgit.tokens.report import Estimate, Estimator, Row, TokenReport, problem_line, sort_rows
from promptgit.tokens.snapshot import BaseSnapshot

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
    snapshot = BaseSnapshot(workspace.root, args.base, config.prompts_dir) if args.base else None

    problems: list[str] = []
    estimator = Estimator(config, table, workspace.read_partial, exact=args.exact, memory=RENDER_BYTES)
    current, failed = estimate_files(workspace, estimator, files, problems)
    base: dict[str, Estimate] = {}
    if snapshot is not None:
        names = set(current) | (set() if args.paths else set(snapshot.prompt_names()) - failed)
        base_estimator = Estimator(
            config, table, snapshot.read_partial, exact=args.exact, memory=RENDER_BYTES
        )
        try:
            base = estimate_at_base(snapshot, base_estimator, sorted(names), problems)
        finally:
            snapshot.close()

    rows = [Row(name, current.get(name), base.get(name)) for name in set(current) | set(base)]
    report = TokenReport(sort_rows(rows, snapshot is not None), base_ref=args.base, problems=problems)
    sys.stdout.write(FORMATS[args.format](report))
    if args.format == "text":
        for problem in problems:
            print(f"promptgit: {problem}", file=sys.stderr)
    return 1 if failed else 0


def estimate_files(
    workspace: Workspace, estimator: Estimator, files: list[Path], problems: list[str]
) -> tuple[dict[str, Estimate], set[str]]:
    """Estimates of working-tree prompt files by name, and the names that could not be estimated."""
    estimates: dict[str, Estimate] = {}
    failed: set[str] = set()
    for path in files:
        name, shown = workspace.name_of(path) or "", workspace.display_path(path)
        try:
            data = read_prompt_file(workspace, path, shown)
            estimates[name] = estimator.estimate(name, shown, data)
        except PromptgitError as exc:
            problems.append(problem_line(shown, exc))
            failed.add(name)
    return estimates, failed


def estimate_at_base(
    snapshot: BaseSnapshot, estimator: Estimator, names: list[str], problems: list[str]
) -> dict[str, Estimate]:
    estimates: dict[str, Estimate] = {}
    for name in names:
        data = snapshot.read_prompt(name)
        if data is None:
            continue  # new since the base
        shown = snapshot.path_of(name)
        try:
            estimates[name] = estimator.estimate(name, shown, data)
        except PromptgitError as exc:
            problems.append(f"{problem_line(shown, exc)} (at {snapshot.ref})")
    return estimates


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


def read_prompt_file(workspace: Workspace, path: Path, shown: str) -> bytes:
    """Through the contained reader: a regular file in the repository, at most max_file_bytes."""
    return workspace.read_file(path, shown)
