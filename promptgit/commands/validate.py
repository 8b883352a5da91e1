"""`promptgit validate [PATH...]`: check prompts, partials and labels; exit 0 clean, 1 findings, 2 usage."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from promptgit.errors import ConfigError
from promptgit.findings import Severity
from promptgit.format.bounded import RENDER_BYTES
from promptgit.reporters import REPORTERS
from promptgit.store.workspace import Workspace
from promptgit.validation import FAMILIES, parse_select
from promptgit.validation import run as run_validation

HELP = "Validate prompt files (the whole repository, or the files given, as pre-commit passes them)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or directories (default: the whole repo)"
    )
    parser.add_argument(
        "--format", choices=sorted(REPORTERS), default="text", help="output format (default: text)"
    )
    parser.add_argument("--base", metavar="REF", help="base ref for the version rules (default: merge-base)")
    parser.add_argument(
        "--select",
        metavar="FAMILIES",
        help=f"comma list of rule families to run: {','.join(FAMILIES)} (default: all)",
    )
    parser.add_argument("--strict", action="store_true", help="warnings fail too (exit 1)")
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="worker processes for large libraries",
    )


def run(args: argparse.Namespace) -> int:
    families = parse_select(args.select)
    workspace = Workspace.discover()
    paths = [Path(path) for path in args.paths] or None
    if paths is None and not workspace.prompts_dir.is_dir():
        # checking nothing is not a pass: a wrong directory or prompts_dir must not look like a clean library
        raise ConfigError(
            f"no prompts directory {workspace.display_path(workspace.prompts_dir)}/ in {workspace.root} "
            "(create it, run `promptgit init`, or set prompts_dir in promptgit.yaml)"
        )
    report = run_validation(
        workspace,
        paths,
        base=args.base,
        select=families,
        jobs=max(1, args.jobs),
        sample_memory=RENDER_BYTES,  # this process is ours: bound what a hostile sample render takes
    )
    sys.stdout.write(REPORTERS[args.format](report))
    failing = {Severity.ERROR, Severity.WARNING} if args.strict else {Severity.ERROR}
    return 1 if any(item.severity in failing for item in report.findings) else 0
