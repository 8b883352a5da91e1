"""`promptgit list`: the prompts of the working tree with version, kind and description."""

from __future__ import annotations

import argparse
import json
import sys

from promptgit.errors import PromptSyntaxError
from promptgit.findings import Finding
from promptgit.format.prompt import PromptDocument, parse_document
from promptgit.store.workspace import Workspace
from promptgit.validation.sources import read_text

HELP = "List the prompts of the working tree: name, version, kind, description."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )


def run(args: argparse.Namespace) -> int:
    workspace = Workspace.discover()
    documents: list[PromptDocument] = []
    problems: list[str] = []
    for path in workspace.prompt_files():
        shown = workspace.display_path(path)
        text = read_text(path, shown, workspace.config.max_file_bytes, workspace.root)
        if isinstance(text, Finding):
            problems.append(text.format())
            continue
        try:
            documents.append(parse_document(workspace.name_of(path) or shown, shown, text))
        except PromptSyntaxError as exc:
            problems.append(str(exc))
    if args.format == "json":
        rows = [_row(document) for document in documents]
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(_table(documents))
    for problem in problems:
        print(f"promptgit: cannot list {problem}", file=sys.stderr)
    return 1 if problems else 0


def _row(document: PromptDocument) -> dict[str, str]:
    return {
        "name": document.name,
        "version": document.version,
        "kind": document.kind,
        "description": document.description,
        "path": document.path,
    }


def _table(documents: list[PromptDocument]) -> str:
    header = ("NAME", "VERSION", "KIND", "DESCRIPTION")
    rows = [header, *((d.name, d.version, d.kind, " ".join(d.description.split())) for d in documents)]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    return "".join(
        f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}".rstrip() + "\n"
        for row in rows
    )
