"""What a commit being made changes for promptgit: read from the index (`git diff --cached`), not from file
names a hook framework passes, so that deletions, renames, partials, labels.yaml and promptgit.yaml count,
and the prompts directory is the configured one.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from promptgit.config import CONFIG_FILE
from promptgit.errors import PromptgitError
from promptgit.format.prompt import SUFFIX
from promptgit.sources.source import LABELS_FILE, PARTIALS_DIR, PromptSource
from promptgit.store.gitstore import GitStore
from promptgit.store.releasing import git
from promptgit.store.yanks import YANKED_FILE


@dataclass
class StagedChanges:
    """The staged paths that matter: files to check (added, modified, renamed to), and what was removed."""

    to_check: list[Path] = field(default_factory=list)  # prompts, partials, labels.yaml (in the work tree)
    removed: list[str] = field(default_factory=list)  # deleted or renamed away, relative to the root
    config_changed: bool = False

    def __bool__(self) -> bool:
        return bool(self.to_check or self.removed or self.config_changed)


def staged_changes(store: GitStore, prompts_dir: str, config: str = CONFIG_FILE) -> StagedChanges:
    """The staged prompts, partials and labels file under `prompts_dir` (from the repository root), and
    whether `config` (from the root) is among them.

    `git diff --cached` compares the index with HEAD, or with the empty tree before the first commit; in a
    merge it lists what the merge brings to the first parent, in an amend what the amend adds.
    """
    out = git(store, "diff", "--cached", "--name-status", "-z", "-M", "--no-ext-diff")
    fields = iter(out.split("\0"))
    changes = StagedChanges()
    prompts = PurePosixPath(prompts_dir)
    for status in fields:
        if not status:
            continue
        paths = [next(fields, ""), next(fields, "")] if status[0] in "RC" else [next(fields, "")]
        old, new = paths[0], paths[-1]
        for path in {old, new}:
            if path == config:
                changes.config_changed = True
        if status[0] in "RD" and _ours(old, prompts):
            changes.removed.append(old)
        if status[0] != "D" and _ours(new, prompts) and (store.root / new).is_file():
            changes.to_check.append(store.root / new)
    return changes


def _ours(path: str, prompts: PurePosixPath) -> bool:
    """A template (prompt or partial), the labels file or the yank file under the prompts directory."""
    relative = PurePosixPath(path)
    if str(prompts) != ".":
        if not relative.is_relative_to(prompts):
            return False
        relative = relative.relative_to(prompts)
    return relative.suffix == SUFFIX or relative.as_posix() in (LABELS_FILE, YANKED_FILE)


def touched_label_entries(
    store: GitStore, before: PromptSource | None, after: PromptSource, removed: Collection[str]
) -> frozenset[tuple[str, str]] | None:
    """The (label, prompt) entries that a change touches: added, changed or removed since `before` (None:
    nothing before), or naming a prompt in `removed`. None when either file does not
    parse: then every entry is judged (and the schema rules say what is wrong)."""
    try:
        now = store.labels(after)
        then = store.labels(before) if before is not None else {}
    except PromptgitError:
        return None
    gone = set(removed)
    changed = {
        (label, name)
        for label, entries in now.items()
        for name, entry in entries.items()
        if name in gone or then.get(label, {}).get(name) != entry
    }
    # an entry the change removes is touched too (PG510 warns when its prompt still exists)
    dropped = {
        (label, name) for label, entries in then.items() for name in entries if name not in now.get(label, {})
    }
    return frozenset(changed | dropped)


def removed_prompt_names(removed: Collection[str], prompts_dir: str) -> list[str]:
    """The prompt names of removed paths (from the repository root); partials and labels.yaml left out."""
    names = []
    prompts = PurePosixPath(prompts_dir)
    for path in removed:
        relative = PurePosixPath(path)
        if str(prompts) != ".":
            relative = relative.relative_to(prompts)
        if relative.suffix == SUFFIX and relative.parts[0] != PARTIALS_DIR:
            names.append(relative.as_posix()[: -len(SUFFIX)])
    return names
