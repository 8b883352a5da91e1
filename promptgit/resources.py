"""Packaged data: the JSON Schemas (single source: schemas/ at the repository root) and data files."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

# a source checkout (run from the tree, an editable install, a git worktree) reads its own schemas/;
# an installed wheel ships them as the package promptgit.schemas (pyproject's package-dir mapping)
_SOURCE_SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


@cache
def schemas_dir() -> Traversable:
    """Where the JSON Schemas are: the checkout's schemas/ when there is one, else the installed package."""
    if (_SOURCE_SCHEMAS / "prompt.schema.json").is_file():
        return _SOURCE_SCHEMAS
    return resources.files("promptgit.schemas")


@cache
def schema(name: str) -> dict[str, Any]:
    """Load `schemas/<name>.schema.json`."""
    text = schemas_dir().joinpath(f"{name}.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def data_text(filename: str) -> str:
    """Text of a file in promptgit/data/ (model table, templates for `init`)."""
    return resources.files("promptgit").joinpath("data").joinpath(filename).read_text("utf-8")
