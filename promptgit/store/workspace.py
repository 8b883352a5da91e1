"""The working tree: where the repository root and prompts are, and reading prompt files from disk."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from promptgit.config import Config, load_config
from promptgit.errors import PromptSyntaxError
from promptgit.format.prompt import SUFFIX, prompt_name
from promptgit.store.files import printable, read_contained
from promptgit.store.selectors import unusable_file_name

if TYPE_CHECKING:
    from promptgit.store.gitstore import GitStore

PARTIALS_DIR = "partials"
LABELS_FILE = "labels.yaml"


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
    def _resolved_prompts_dir(self) -> Path:
        # resolving is a system call per path component: once per workspace, not once per file
        return self.prompts_dir.resolve()

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
        if not base.is_dir():
            return
        found: list[Path] = []
        for directory, subdirs, files in os.walk(base):
            subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
            for filename in files:
                if filename.endswith(SUFFIX):
                    path = Path(directory) / filename
                    if self.name_of(path) is not None and not self.is_ignored(path):
                        found.append(path)
        yield from sorted(found)

    def path_of(self, name: str) -> Path:
        return self.prompts_dir / f"{name}{SUFFIX}"

    def read_file(self, path: Path, shown: str | None = None) -> bytes:
        """Bytes of a working-tree file: a regular file inside the repository, at most max_file_bytes.

        Raises UnreadableFile (a PromptSyntaxError: PG104 or PG106, naming the file) otherwise.
        """
        shown = self.display_path(path) if shown is None else shown
        return read_contained(path, shown, self.config.max_file_bytes, self.root)

    def read_partial(self, relative: str) -> str | None:
        """Text of an included template, relative to the prompts dir; None when missing, outside it, not a
        regular file or over max_file_bytes."""
        return read_partial_in(self._resolved_prompts_dir, relative, self.config.max_file_bytes)


def _resolved(path: Path) -> Path:
    """`path` resolved; a symlink that loops (or cannot be resolved) keeps its own name in its resolved
    directory, so it is still found as a prompt and reported (PG106) by the reader, never a crash."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute().parent.resolve() / path.name


def read_partial_in(prompts_dir: Path, relative: str, max_bytes: int) -> str | None:
    """Text of the include `relative` under `prompts_dir` (resolved), through the contained reader."""
    if "\0" in relative:
        return None
    try:
        return read_contained(prompts_dir / relative, relative, max_bytes, prompts_dir).decode("utf-8")
    except (PromptSyntaxError, UnicodeDecodeError):
        return None


def open_store(workspace: Workspace) -> GitStore | None:
    """The GitStore of the workspace's repository, or None when it is not inside a git repository.

    A `.git` that exists but cannot be read (deleted objects, a corrupt HEAD) is an error, not "no repo":
    silently skipping the version rules there would pass what they exist to refuse.
    """
    if not workspace.in_git_repository:
        return None  # not a git repository (and GitPython, slow to import, is not needed)
    from promptgit.store.gitstore import GitStore

    store = GitStore(workspace.root)
    prompts = workspace.prompts_dir.resolve()
    try:
        store.prompts_dir = prompts.relative_to(store.root).as_posix()
    except ValueError:
        return None  # the prompts directory is outside the repository: nothing is versioned by git
    return store
