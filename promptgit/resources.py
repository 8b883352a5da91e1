"""Packaged data: the JSON Schemas (single source: schemas/ at the repository root) and data files."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=None)
def schema(name: str) -> dict[str, Any]:
    """Load `schemas/<name>.schema.json` as shipped in the installed package."""
    text = resources.files("promptgit").joinpath("schemas", f"{name}.schema.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def data_text(filename: str) -> str:
    """Text of a file in promptgit/data/ (model table, templates for `init`)."""
    return resources.files("promptgit").joinpath("data", filename).read_text("utf-8")
