"""Which files a validation run checks: prompts, partials and the labels file, from paths or the tree."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from promptgit.errors import ConfigError
from promptgit.format.prompt import SUFFIX
from promptgit.sources import LABELS_FILE, PARTIALS_DIR
from promptgit.store.workspace import Workspace
from promptgit.store.yanks import YANKED_FILE
from promptgit.validation.testfiles import TESTS_SUFFIX


@dataclass(frozen=True)
class Targets:
    prompts: list[Path]
    partials: list[Path]
    labels: list[Path]
    tests: list[Path] = field(default_factory=list)  # prompts/NAME.tests.yaml, read by `promptgit test`

    def __len__(self) -> int:
        return len(self.prompts) + len(self.partials) + len(self.labels) + len(self.tests)


def collect(workspace: Workspace, paths: Sequence[Path] | None) -> Targets:
    """The prompts, partials and labels file to check; files given that are none of these are ignored."""
    prompts_dir = workspace.prompts_dir
    if paths is None:
        candidates = _walk(prompts_dir)
    else:
        candidates = []
        for path in paths:
            if path.is_dir():
                candidates.extend(_walk(path))
            elif path.exists() or path.is_symlink():
                candidates.append(path)
            else:
                raise ConfigError(f"{path}: no such file or directory")
    targets = Targets([], [], [])
    seen: set[Path] = set()
    resolved_dir = prompts_dir.resolve()
    resolved_parents: dict[Path, Path] = {}
    for path in candidates:
        # resolve the directory, not the file: a symlinked prompt is still a prompt (and read as one)
        parent = path.absolute().parent
        if parent not in resolved_parents:
            resolved_parents[parent] = parent.resolve()
        absolute = resolved_parents[parent] / path.name
        try:
            relative = absolute.relative_to(resolved_dir).as_posix()
        except ValueError:
            continue
        if absolute in seen or (workspace.config.ignore and workspace.is_ignored(absolute)):
            continue
        seen.add(absolute)
        if relative.endswith(SUFFIX) and relative.split("/")[0] != PARTIALS_DIR:
            targets.prompts.append(absolute)
        elif relative.endswith(SUFFIX):
            targets.partials.append(absolute)
        elif relative in (LABELS_FILE, YANKED_FILE):  # yanked.yaml: see store/yanks.py
            targets.labels.append(absolute)
        elif relative.endswith(TESTS_SUFFIX):
            targets.tests.append(absolute)
    if paths is not None and targets.partials:
        # a changed partial can break any prompt that includes it, directly or through other partials;
        # finding those means parsing every prompt anyway, so check the whole library
        known = set(targets.prompts)
        library = collect(workspace, None).prompts
        targets.prompts.extend(path for path in library if path not in known)
    for bucket in (targets.prompts, targets.partials, targets.labels, targets.tests):
        bucket.sort()
    return targets


def _walk(directory: Path) -> list[Path]:
    """Files under `directory` (symlinks to files too; symlinked directories are not followed), hidden
    files and directories left out, sorted. os.walk, not rglob: it knows files from directories without a
    stat per path, which was half the time of collecting a large library."""
    found: list[Path] = []
    for parent, subdirectories, files in os.walk(directory):
        subdirectories[:] = [name for name in subdirectories if not name.startswith(".")]
        base = Path(parent)
        found.extend(base / name for name in files if not name.startswith("."))
    return sorted(found)
