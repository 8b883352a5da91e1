"""`promptgit import prompty|dotprompt|langfuse SRC...`: convert other tools' prompts, naming what was lost.

Per source prompt: the file it becomes, what converted, what was lost and why (a table, or `--format
json`). Exit 0 when everything converted, 1 when something was lost or a source could not be read, 2 on
usage errors (a missing SRC, files that exist and differ without `--force`: then nothing is written).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from promptgit.errors import ConfigError
from promptgit.importers import FORMATS, Conversion, convert
from promptgit.importers.writing import (
    NEW,
    LabelOutcome,
    add_prefix,
    apply_labels,
    destination,
    pending_hint,
    plan,
    write,
)
from promptgit.store.workspace import Workspace

HELP = "Convert Prompty, Dotprompt or Langfuse prompts to promptgit files; report what was lost."
_KIND = re.compile(r"^[a-z][a-z0-9_-]*$")
SUFFIXES = {"prompty": ".prompty", "dotprompt": ".prompt", "langfuse": ".json"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source_format", choices=FORMATS, metavar="FORMAT", help="prompty, dotprompt or langfuse"
    )
    parser.add_argument(
        "sources", nargs="+", metavar="SRC", help="files or directories (searched for .prompty/.prompt/.json)"
    )
    parser.add_argument("--into", metavar="DIR", help="where the prompts go (default: the prompts directory)")
    parser.add_argument("--kind", help="the kind of the imported prompts (default: the format's name)")
    parser.add_argument("--dry-run", action="store_true", help="convert and report, write nothing")
    parser.add_argument("--force", action="store_true", help="overwrite files that exist and differ")
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )


def run(args: argparse.Namespace) -> int:
    workspace = Workspace.discover()
    kind = args.kind or args.source_format
    if not _KIND.match(kind):
        raise ConfigError(
            f"invalid kind {kind!r}: lowercase letters, digits, _ and -, starting with a letter"
        )
    if workspace.config.kinds is not None and kind not in workspace.config.kinds:
        allowed = ", ".join(workspace.config.kinds)
        raise ConfigError(
            f"kind {kind!r} is not allowed by promptgit.yaml (allowed: {allowed}); choose one with --kind"
        )
    paths = [Path(source) for source in args.sources]
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        raise ConfigError(f"no such file or directory: {', '.join(missing)}")
    conversions = convert(args.source_format, paths, kind=kind)
    if not conversions:
        suffix = SUFFIXES[args.source_format]
        raise ConfigError(f"no {suffix} files in {', '.join(args.sources)}")
    prompts_dir, prefix = destination(workspace, Path(args.into) if args.into else None)
    add_prefix(conversions, prefix)
    planned = plan([c for c in conversions if not c.error], prompts_dir, args.force, workspace.display_path)
    if not args.dry_run:
        write(planned)
    labels: list[LabelOutcome] = []
    if prompts_dir == workspace.prompts_dir:
        labels = apply_labels(workspace, conversions, args.dry_run)
    elif any(conversion.labels for conversion in conversions):
        print(
            "promptgit: labels are written only when importing into the repository's prompts directory",
            file=sys.stderr,
        )
    shown = {file.path: (workspace.display_path(file.path), file.status) for file in planned}
    if args.format == "json":
        sys.stdout.write(
            json.dumps(_json(conversions, shown, prompts_dir, labels, args.dry_run), indent=2) + "\n"
        )
    else:
        sys.stdout.write(_text(conversions, shown, prompts_dir, labels, args.dry_run))
    return 0 if all(conversion.complete for conversion in conversions) else 1


def _files(
    conversion: Conversion, shown: dict[Path, tuple[str, str]], prompts_dir: Path
) -> list[tuple[str, str]]:
    return [
        shown[prompts_dir / new.relative] for new in conversion.files if prompts_dir / new.relative in shown
    ]


def _status(status: str, dry_run: bool) -> str:
    if not dry_run:
        return status
    return {NEW: "would be new", "overwritten": "would be overwritten"}.get(status, status)


def _text(
    conversions: list[Conversion],
    shown: dict[Path, tuple[str, str]],
    prompts_dir: Path,
    labels: list[LabelOutcome],
    dry_run: bool,
) -> str:
    rows = [("SOURCE", "PROMPT", "RESULT")]
    details: list[list[str]] = [[]]
    for conversion in conversions:
        if conversion.error:
            result = "error"
        elif conversion.losses:
            result = f"{len(conversion.losses)} lost"
        else:
            result = "converted"
        rows.append((conversion.source, conversion.name or "-", result))
        lines = [f"  error: {conversion.error}"] if conversion.error else []
        lines += [
            f"  file {path} ({_status(status, dry_run)})"
            for path, status in _files(conversion, shown, prompts_dir)
        ]
        lines += [f"  + {item}" for item in conversion.converted]
        lines += [f"  - lost {loss.what}: {loss.why}" for loss in conversion.losses]
        details.append(lines)
    widths = [max(len(row[column]) for row in rows) for column in range(2)]
    out: list[str] = []
    for row, lines in zip(rows, details, strict=True):
        out.append(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}".rstrip())
        out += lines
    for outcome in labels:
        target = f"{outcome.label} -> {outcome.name}@{outcome.version}"
        state = "set in labels.yaml" if outcome.written else f"pending: {pending_hint(outcome)}"
        out.append(f"label {target}: {state}")
    converted = sum(1 for c in conversions if c.complete)
    lossy = sum(1 for c in conversions if not c.error and c.losses)
    failed = sum(1 for c in conversions if c.error)
    written = sum(1 for _, status in shown.values() if status != "unchanged")
    files = f"{written} file{'s' * (written != 1)} {'would be written (dry run)' if dry_run else 'written'}"
    prompts = f"{len(conversions)} prompt{'s' * (len(conversions) != 1)}"
    out.append(f"{prompts}: {converted} converted, {lossy} with losses, {failed} failed; {files}")
    return "\n".join(out) + "\n"


def _json(
    conversions: list[Conversion],
    shown: dict[Path, tuple[str, str]],
    prompts_dir: Path,
    labels: list[LabelOutcome],
    dry_run: bool,
) -> dict[str, Any]:
    return {
        "dry_run": dry_run,
        "prompts": [
            {
                "source": conversion.source,
                "name": conversion.name,
                "version": conversion.version,
                "complete": conversion.complete,
                "error": conversion.error,
                "files": [
                    {"path": path, "status": status}
                    for path, status in _files(conversion, shown, prompts_dir)
                ],
                "converted": conversion.converted,
                "lost": [{"what": loss.what, "why": loss.why} for loss in conversion.losses],
            }
            for conversion in conversions
        ],
        "labels": [
            {"label": item.label, "name": item.name, "version": item.version, "written": item.written}
            for item in labels
        ],
    }
