"""Writing converted prompts: a plan first (what is new, unchanged, or would overwrite), then the files.

Nothing existing is overwritten without `force`, and the check covers the whole run before the first
write: a refused import writes nothing. Files go through store.atomic's temporary-file-and-rename, as
every other promptgit edit of the working tree. Labels (from Langfuse) are written to labels.yaml only
for versions that are released: a label names a release, never a file that may still change.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from promptgit.errors import ConfigError
from promptgit.importers.result import Conversion, NewFile
from promptgit.sources import LABELS_FILE, PARTIALS_DIR
from promptgit.store.atomic import edit_lock, write_atomic
from promptgit.store.labels_file import parse_labels, set_label
from promptgit.store.releases import release_tag
from promptgit.store.workspace import Workspace, open_store

NEW, SAME, OVERWRITE = "new", "unchanged", "overwritten"


@dataclass(frozen=True)
class PlannedFile:
    path: Path
    text: str
    status: str  # NEW, SAME, OVERWRITE


@dataclass(frozen=True)
class LabelOutcome:
    name: str
    label: str
    version: str
    written: bool  # False: the version is not released yet (or labels.yaml already says so: see `pending`)


def destination(workspace: Workspace, into: Path | None) -> tuple[Path, str]:
    """(the prompts directory to write in, the prefix of the names) for `--into DIR`.

    A DIR under the repository's prompts directory is a folder of names there (`prompts/legacy` makes
    `legacy/NAME`, partials still in prompts/partials/ where includes find them); any other DIR is a
    prompts directory of its own.
    """
    prompts = workspace.prompts_dir.resolve()
    if into is None:
        return workspace.prompts_dir, ""
    resolved = into.resolve()
    if resolved == prompts or resolved.is_relative_to(prompts):
        prefix = resolved.relative_to(prompts).as_posix()
        return workspace.prompts_dir, "" if prefix == "." else prefix
    return into, ""


def add_prefix(conversions: Iterable[Conversion], prefix: str) -> None:
    """Put the prompts (not the partials) under the folder `prefix` of the prompts directory."""
    if not prefix:
        return
    for conversion in conversions:
        if conversion.name:
            conversion.name = f"{prefix}/{conversion.name}"
        conversion.files[:] = [
            new
            if new.relative.startswith(f"{PARTIALS_DIR}/")
            else NewFile(f"{prefix}/{new.relative}", new.text)
            for new in conversion.files
        ]


def plan(
    conversions: Iterable[Conversion], prompts_dir: Path, force: bool, display: Callable[[Path], str] = str
) -> list[PlannedFile]:
    """Every file of the conversions with its status; ConfigError naming the files that exist and differ
    (without `force`), or that two conversions would write differently."""
    planned: dict[Path, PlannedFile] = {}
    clashes: list[str] = []
    exists: list[str] = []
    for conversion in conversions:
        for new in conversion.files:
            path = prompts_dir / new.relative
            if path in planned:
                if planned[path].text != new.text:
                    clashes.append(f"{display(path)} ({conversion.source})")
                continue
            status = NEW
            if os.path.lexists(path):
                try:
                    current = path.read_text("utf-8")
                except (OSError, UnicodeDecodeError):
                    current = None
                status = SAME if current == new.text else OVERWRITE
                if status == OVERWRITE and not force:
                    exists.append(display(path))
            planned[path] = PlannedFile(path, new.text, status)
    if clashes:
        raise ConfigError(
            f"two sources convert to the same file with different content: {', '.join(clashes)}"
        )
    if exists:
        shown = ", ".join(exists[:5]) + (f" and {len(exists) - 5} more" if len(exists) > 5 else "")
        raise ConfigError(
            f"refusing to overwrite {shown}: they exist and differ (--force overwrites); nothing written"
        )
    return list(planned.values())


def write(files: Iterable[PlannedFile]) -> None:
    for file in files:
        if file.status == SAME:
            continue
        file.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(file.path, file.text.encode("utf-8"))


def apply_labels(
    workspace: Workspace, conversions: Iterable[Conversion], dry_run: bool
) -> list[LabelOutcome]:
    """Write each conversion's labels whose version is released; report the others as pending."""
    wanted = [
        (c.name, label, c.version)
        for c in conversions
        if c.name and c.version and not c.error
        for label in c.labels
    ]
    if not wanted:
        return []
    store = open_store(workspace)
    released: dict[str, list[str]] = {}
    try:
        for name, _, _ in wanted:
            if name not in released:
                released[name] = store.release_versions(name) if store is not None else []
    finally:
        if store is not None:
            store.close()
    outcomes = [
        LabelOutcome(name, label, version, version in released[name]) for name, label, version in wanted
    ]
    ready = [outcome for outcome in outcomes if outcome.written]
    if ready and not dry_run:
        path = workspace.prompts_dir / LABELS_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        with edit_lock(path):
            text = path.read_text("utf-8") if path.is_file() else ""
            current = parse_labels(text, LABELS_FILE) if text.strip() else {}
            for outcome in ready:
                if current.get(outcome.label, {}).get(outcome.name) != outcome.version:
                    text = set_label(text, outcome.label, outcome.name, outcome.version).text
            write_atomic(path, text.encode("utf-8"))
    return outcomes


def pending_hint(outcome: LabelOutcome) -> str:
    """What to run for a label whose version is not released yet."""
    tag = release_tag(outcome.name, outcome.version)
    return (
        f"after `promptgit release {outcome.name}` (tag {tag}), run the import again or "
        f"`promptgit label set {outcome.label} {outcome.name}@{outcome.version}`"
    )
