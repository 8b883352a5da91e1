"""The working tree: where the repository root, its configuration and its prompts are.

Files are read through `Workspace.source` (sources.WorktreeSource); `open_store` opens the repository's
GitStore, and `at_commit` the same prompts directory in one of its commits (sources.CommitSource).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from promptgit.config import Config, load_config
from promptgit.format.prompt import SUFFIX, prompt_name
from promptgit.sources.contained import printable, read_contained
from promptgit.sources.source import PARTIALS_DIR, in_prompts_dir
from promptgit.sources.worktree import WorktreeSource
from promptgit.store.selectors import unusable_file_name

if TYPE_CHECKING:
    from promptgit.sources.commit import CommitSource
    from promptgit.store.gitstore import GitStore


def find_root(start: Path | None = None) -> Path:
    """The nearest directory at or above `start` holding .git or promptgit.yaml; else `start` itself."""
    start = (start or Path.cwd()).resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists() or (candidate / "promptgit.yaml").is_file():
            return candidate
    return start


@dataclass(frozen=True)
class Workspace:
    root: Path
    config: Config

    @classmethod
    def discover(cls, start: Path | None = None) -> Workspace:
        root = find_root(start)
        return cls(root=root, config=load_config(root))

    @property
    def prompts_dir(self) -> Path:
        return self.root / self.config.prompts_dir

    @cached_property
    def in_git_repository(self) -> bool:
        """Whether the root is inside a git repository (a .git here or above); no git is run."""
        root = self.root.resolve()
        return any((directory / ".git").exists() for directory in (root, *root.parents))

    @cached_property
    def source(self) -> WorktreeSource:
        """The prompts directory on disk, read contained and bounded by the configuration."""
        return WorktreeSource(self.root, self.config.prompts_dir, max_file_bytes=self.config.max_file_bytes)

    @cached_property
    def _resolved_prompts_dir(self) -> Path:
        return self.source.resolved_directory

    @property
    def git_prompts_dir(self) -> str:
        """The prompts directory from the git repository's root (which may lie above this root)."""
        return self._prompts_in_git or self.config.prompts_dir

    @cached_property
    def _prompts_in_git(self) -> str | None:
        """git_prompts_dir; None when there is no repository, or the prompts directory is outside it."""
        if not self.in_git_repository:
            return None
        from promptgit.errors import GitError
        from promptgit.sources.git_objects import find_git_dir

        try:
            git_root = find_git_dir(self.root)[0]
        except GitError:
            return None
        try:
            return self._resolved_prompts_dir.relative_to(git_root).as_posix()
        except ValueError:
            return None

    def git_path(self, name: str) -> str:
        """Prompt `name`'s file from the git repository's root: what git commands are given."""
        return in_prompts_dir(self.git_prompts_dir, f"{name}{SUFFIX}")

    def at_commit(self, store: GitStore, commit: str, label: str | None = None) -> CommitSource:
        """This workspace's prompts directory in `commit` of `store`, bounded as the working tree is."""
        return store.at(commit, self.git_prompts_dir, max_file_bytes=self.config.max_file_bytes, label=label)

    def display_path(self, path: Path) -> str:
        """Path relative to the repository root, with forward slashes, as every output shows it."""
        try:
            return printable(_resolved(path).relative_to(self.root).as_posix())
        except (ValueError, OSError, RuntimeError):
            return printable(path.as_posix())

    def name_of(self, path: Path) -> str | None:
        """The prompt name of a file, or None when it is not a prompt (outside prompts/, partial, not .j2)."""
        try:
            relative = _resolved(path).relative_to(self._resolved_prompts_dir).as_posix()
        except (ValueError, OSError, RuntimeError):
            return None
        if not relative.endswith(SUFFIX) or relative.split("/")[0] == PARTIALS_DIR:
            return None
        name = prompt_name(relative)
        return name if unusable_file_name(name) is None else None  # validate reports such a file (PG106)

    def is_ignored(self, path: Path) -> bool:
        if not self.config.ignore:
            return False
        shown = self.display_path(path)
        return any(fnmatch.fnmatch(shown, pattern) for pattern in self.config.ignore)

    def prompt_files(self) -> Iterator[Path]:
        """Every prompt file under the prompts dir, sorted, partials and ignored files excluded."""
        base = self.prompts_dir
        for name in self.source.names():
            path = base / f"{name}{SUFFIX}"
            if self.name_of(path) is not None and not self.is_ignored(path):
                yield path

    def path_of(self, name: str) -> Path:
        return self.prompts_dir / f"{name}{SUFFIX}"

    def read_file(self, path: Path, shown: str | None = None) -> bytes:
        """Bytes of a working-tree file: a regular file inside the repository, at most max_file_bytes.

        Raises UnreadableFile (a PromptSyntaxError: PG104 or PG106, naming the file) otherwise.
        """
        shown = self.display_path(path) if shown is None else shown
        return read_contained(path, shown, self.config.max_file_bytes, self.root)


def _resolved(path: Path) -> Path:
    """`path` resolved; a symlink that loops (or cannot be resolved) keeps its own name in its resolved
    directory, so it is still found as a prompt and reported (PG106) by the reader, never a crash."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute().parent.resolve() / path.name


def open_store(workspace: Workspace) -> GitStore | None:
    """The GitStore of the workspace's repository, or None when it is not inside a git repository.

    A `.git` that exists but cannot be read (deleted objects, a corrupt HEAD) is an error, not "no repo":
    silently skipping the version rules there would pass what they exist to refuse.
    """
    if not workspace.in_git_repository:
        return None  # not a git repository (and GitPython, slow to import, is not needed)
    from promptgit.store.gitstore import GitStore

    store = GitStore(workspace.root)
    if workspace._prompts_in_git is None:
        store.close()
        return None  # the prompts directory is outside the repository: nothing is versioned by git
    return store
