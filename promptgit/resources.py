"""Packaged data: the JSON Schemas (single source: schemas/ at the repository root) and data files."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.abc import Traversable

# a source checkout (run from the tree, an editable install, a git worktree) reads its own schemas/;
# an installed wheel ships them as the package promptgit.schemas (pyproject's package-dir mapping)
_SOURCE_SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
_PACKAGED_SCHEMAS = Path(__file__).resolve().parent / "schemas"


@cache
def schemas_dir() -> Traversable:
    """Where the JSON Schemas are: the checkout's schemas/ when there is one, else the installed package."""
    if (_SOURCE_SCHEMAS / "prompt.schema.json").is_file():
        return _SOURCE_SCHEMAS
    if (_PACKAGED_SCHEMAS / "prompt.schema.json").is_file():
        return _PACKAGED_SCHEMAS  # a wheel installed as files: no importlib.resources (zipfile, tempfile)
    from importlib import resources

    return resources.files("promptgit.schemas")


@cache
def schema(name: str) -> dict[str, Any]:
    """Load `schemas/<name>.schema.json`."""
    text = schemas_dir().joinpath(f"{name}.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


_DATA = Path(__file__).resolve().parent / "data"


def data_text(filename: str) -> str:
    """Text of a file in promptgit/data/ (model table, templates for `init`)."""
    if _DATA.is_dir():  # installed as files (wheel, editable, checkout): no importlib.resources (zipfile)
        return (_DATA / filename).read_text("utf-8")
    from importlib import resources

    return resources.files("promptgit").joinpath("data").joinpath(filename).read_text("utf-8")
