"""Packaged data: the JSON Schemas (single source: schemas/ at the repository root) and data files."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def schema(name: str) -> dict[str, Any]:
    """Load `schemas/<name>.schema.json` as shipped in the installed package."""
    text = resources.files("promptgit.schemas").joinpath(f"{name}.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def data_text(filename: str) -> str:
    """Text of a file in promptgit/data/ (model table, templates for `init`)."""
    return resources.files("promptgit").joinpath("data").joinpath(filename).read_text("utf-8")
