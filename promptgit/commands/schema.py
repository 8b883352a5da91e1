"""`promptgit schema [NAME] [--write DIR]`: the JSON Schemas shipped in the package, for editors and CI.

Files reference them by a relative path (`promptgit init` writes them to .promptgit/schemas/), never by a
URL: no domain has to be trusted or kept alive for an editor to check promptgit.yaml or labels.yaml.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from promptgit.errors import ConfigError
from promptgit.resources import schemas_dir

HELP = "Print a JSON Schema shipped with promptgit (prompt, config, labels), or --write them all to DIR."
NAMES = ("prompt", "config", "labels")
DESCRIBED = {
    "prompt": "the front matter of a prompt file",
    "config": "promptgit.yaml",
    "labels": "prompts/labels.yaml",
}
INIT_DIR = ".promptgit/schemas"  # where `promptgit init` puts them; its files' $schema comments point here


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", choices=NAMES, help="which schema to print")
    parser.add_argument("--write", metavar="DIR", help="write every schema as DIR/<name>.schema.json")


def schema_text(name: str) -> str:
    return schemas_dir().joinpath(f"{name}.schema.json").read_text("utf-8")


def write_schemas(directory: Path) -> list[Path]:
    """Write (or refresh) every schema into `directory`; the paths written."""
    written = []
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name in NAMES:
            path = directory / f"{name}.schema.json"
            path.write_text(schema_text(name), "utf-8")
            written.append(path)
    except OSError as exc:
        raise ConfigError(f"cannot write {exc.filename}: {exc.strerror}") from None
    return written


def run(args: argparse.Namespace) -> int:
    if args.write:
        for path in write_schemas(Path(args.write)):
            print(f"wrote {path.as_posix()}")
        return 0
    if args.name is None:  # list them: `schema` alone is a question, not a usage error
        for name in NAMES:
            print(f"{name:<8} {DESCRIBED[name]}")
        print("print one with: promptgit schema NAME (or --write DIR for all)")
        return 0
    sys.stdout.write(schema_text(args.name))
    return 0
