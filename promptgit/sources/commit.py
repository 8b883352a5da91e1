"""`CommitSource`: the prompts directory in the tree of one git commit, read from git objects.

Nothing is checked out: every read is one request to the repository's `git cat-file --batch` process
(sources/git_objects.py), so a source is cheap to make (one per commit a caller looks at: HEAD, a
release's tagged commit, the base of a pull request) and many share one process.
"""

from __future__ import annotations

from promptgit.format.prompt import SUFFIX
from promptgit.sources.git_objects import GitObjects
from promptgit.sources.source import (
    DEFAULT_MAX_FILE_BYTES,
    BlobSource,
    SourceFile,
    is_prompt_path,
)


class CommitSource(BlobSource):
    """The prompts of `commit` (a full sha), read through `objects`; immutable, safe to share."""

    def __init__(
        self,
        objects: GitObjects,
        commit: str,
        prompts_dir: str = "prompts",
        *,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        label: str | None = None,
    ) -> None:
        self.objects = objects
        self.commit: str = commit
        self.prompts_dir = prompts_dir.strip("/") or "."
        self.max_file_bytes = max_file_bytes
        self.label = (
            label  # how messages name the commit: the ref it was opened at (`HEAD`); else its short sha
        )

    def describe(self) -> str:
        return self.label or self.commit[:12]

    def names(self) -> list[str]:
        prefix = "" if self.prompts_dir == "." else f"{self.prompts_dir}/"
        return sorted(
            path[len(prefix) :].removesuffix(SUFFIX)
            for path in self.objects.tree_paths(self.commit, self.prompts_dir)
            if path.startswith(prefix) and is_prompt_path(path[len(prefix) :])
        )

    def relative_paths(self) -> list[str]:
        prefix = "" if self.prompts_dir == "." else f"{self.prompts_dir}/"
        return [
            path[len(prefix) :]
            for path in self.objects.tree_paths(self.commit, self.prompts_dir)
            if path.startswith(prefix) and not any(part.startswith(".") for part in path.split("/"))
        ]

    def _read(self, relative: str, max_bytes: int | None = None) -> SourceFile | None:
        path = self.path_of(relative)
        found = self.objects.read_in(self.commit, self.prompts_dir, path)
        if found is None:
            return None
        data, blob_sha = found
        return SourceFile(path, self._bounded(path, data, max_bytes), blob_sha)
