"""Yanked releases: `prompts/yanked.yaml` withdraws releases without moving or deleting a tag.

    # release -> why it was withdrawn
    content/hook:
      1.3.0: leaks the system prompt

PyPI's semantics (PEP 592): a bare name ("the highest release") and ranges skip a yanked release; an exact
pin, or a label naming it, still resolves, with a warning (a yank must not take a pinned caller down).
A yank is a reviewed commit to this file, like a promotion in labels.yaml, and read at the same ref;
un-yanking is removing the line. A file of its own, not a section of labels.yaml: labels map label ->
prompt -> version, and a `yanked:` key there would be a label name.
"""

from __future__ import annotations

from typing import Any

import yaml

from promptgit.errors import GitError

YANKED_FILE = "yanked.yaml"
SHAPE = (
    "yanked.yaml must map prompt -> {version: reason}, e.g. content/hook: {1.3.0: leaks the system prompt}"
)

Yanks = dict[str, dict[str, str]]  # prompt -> version -> reason


def parse_yanked(data: bytes | str, where: str) -> Yanks:
    """yanked.yaml text -> {prompt: {version: reason}}; GitError naming `where` when malformed."""
    try:
        loaded: Any = yaml.load(data, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) if data else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise GitError(f"{where}{line}: yanked.yaml is not valid YAML") from None
    problem = shape_problem(loaded)
    if problem is not None:
        raise GitError(f"{where}: {problem}")
    return {
        str(name): {str(version): str(reason or "") for version, reason in (versions or {}).items()}
        for name, versions in (loaded or {}).items()
    }


def shape_problem(loaded: Any) -> str | None:
    """Why a loaded yanked.yaml is not prompt -> {version: reason}; None when it is."""
    if loaded is None:
        return None
    if not isinstance(loaded, dict) or not all(isinstance(v, dict) or v is None for v in loaded.values()):
        return SHAPE
    for versions in loaded.values():
        for reason in (versions or {}).values():
            if isinstance(reason, dict | list):
                return SHAPE
    return None
