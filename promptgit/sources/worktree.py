"""`WorktreeSource`: the prompts directory on disk, as it is now.

Every read goes through the contained reader (sources/contained.py): a regular file that resolves inside
the repository root (prompts) or the prompts directory (partials), at most `max_file_bytes`; a symlink out
of it, a FIFO or a device is refused. Blob shas are computed the way git computes them, so a file that is
committed unchanged has the identity its blob has.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

from promptgit.errors import PromptSyntaxError
from promptgit.format.prompt import SUFFIX
from promptgit.sources.contained import read_contained
from promptgit.sources.source import (
    DEFAULT_MAX_FILE_BYTES,
    LABELS_FILE,
    PromptSource,
    SourceFile,
    git_blob_sha,
    is_contained,
    is_prompt_path,
)


class WorktreeSource(PromptSource):
    """The prompts under `root / prompts_dir` on disk; `commit` is None (the files change under you)."""

    commit: str | None = None

    def __init__(
        self, root: str | os.PathLike[str], prompts_dir: str = "prompts", *, max_file_bytes: int | None = None
    ) -> None:
        self.root = Path(root)
        self.prompts_dir = prompts_dir.strip("/") or "."
        self.max_file_bytes = DEFAULT_MAX_FILE_BYTES if max_file_bytes is None else max_file_bytes

    @property
    def directory(self) -> Path:
        return self.root / self.prompts_dir

    @cached_property
    def resolved_root(self) -> Path:
        return self.root.resolve()

    @cached_property
    def resolved_directory(self) -> Path:
        # resolving is a system call per path component: once per source, not once per file
        return self.directory.resolve()

    def describe(self) -> str:
        return "the working tree"

    def names(self) -> list[str]:
        return sorted(
            relative.removesuffix(SUFFIX) for relative in self.relative_files() if is_prompt_path(relative)
        )

    def relative_files(self) -> list[str]:
        """Every .j2 file under the prompts directory, relative to it (hidden directories skipped)."""
        return [relative for relative in self.relative_paths() if relative.endswith(SUFFIX)]

    def read_prompt(self, name: str) -> SourceFile | None:
        if not is_contained(name):
            return None
        relative = f"{name}{SUFFIX}"
        path = self.directory / relative
        if not os.path.lexists(path):
            return None
        shown = self.path_of(relative)
        data = read_contained(path, shown, self.max_file_bytes, self.resolved_root)
        return SourceFile(shown, data, git_blob_sha(data))

    def read_partial(self, relative: str) -> str | None:
        if not is_contained(relative):
            return None
        path = self.directory / relative
        try:
            data = read_contained(path, relative, self.max_file_bytes, self.resolved_directory)
            return data.decode("utf-8").removeprefix("\ufeff")
        except (PromptSyntaxError, UnicodeDecodeError):
            return None

    def read_file(self, relative: str, max_bytes: int | None = None) -> SourceFile | None:
        if not is_contained(relative):
            return None
        path = self.directory / relative
        if not os.path.lexists(path):
            return None
        shown = self.path_of(relative)
        bound = self.max_file_bytes if max_bytes is None else max_bytes
        data = read_contained(path, shown, bound, self.resolved_root)
        return SourceFile(shown, data, git_blob_sha(data))

    def relative_paths(self) -> list[str]:
        base = self.directory
        found: list[str] = []
        for directory, subdirectories, files in os.walk(base):
            subdirectories[:] = sorted(name for name in subdirectories if not name.startswith("."))
            within = Path(directory).relative_to(base).as_posix()
            prefix = "" if within == "." else f"{within}/"
            found.extend(f"{prefix}{name}" for name in files)
        return sorted(found)

    def read_labels(self) -> SourceFile | None:
        path = self.directory / LABELS_FILE
        if not os.path.lexists(path):
            return None
        shown = self.labels_path
        data = read_contained(path, shown, self.max_file_bytes, self.resolved_root)
        return SourceFile(shown, data, git_blob_sha(data))
