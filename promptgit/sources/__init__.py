"""Where prompt files come from: one protocol (`PromptSource`) over a snapshot of the prompts directory.

- source.py: the protocol, `SourceFile` (path, bytes, git blob sha), the layout's names (partials/,
  labels.yaml) and `git_blob_sha`;
- commit.py: `CommitSource`, the tree of one git commit; git_objects.py: the `git cat-file --batch` reader
  it reads through (also the base of store.GitStore);
- worktree.py: `WorktreeSource`, the files on disk; contained.py: the one reader of working-tree files
  (contained in a directory, regular files only, bounded in size).

May import format, config and the shared modules (errors, findings, resources); never store, loader or
above: store and loader build on it.
"""

from __future__ import annotations

from promptgit.sources.commit import CommitSource
from promptgit.sources.source import (
    LABELS_FILE,
    PARTIALS_DIR,
    PromptSource,
    SourceFile,
    git_blob_sha,
)
from promptgit.sources.worktree import WorktreeSource

__all__ = [
    "LABELS_FILE",
    "PARTIALS_DIR",
    "CommitSource",
    "PromptSource",
    "SourceFile",
    "WorktreeSource",
    "git_blob_sha",
]
