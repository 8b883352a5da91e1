"""Prompts as they are at a base ref, for `promptgit tokens --base REF`.

Read from git objects with GitPython (nothing checked out). The git layer's GitStore offers the same
reads (read_prompt / read_partial / prompt_names at a commit); this small class is the one place to swap.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

import git

from promptgit.errors import GitError
from promptgit.prompt import SUFFIX, prompt_name

PARTIALS_DIR = "partials"


class BaseSnapshot:
    """The prompts directory of one commit."""

    def __init__(self, root: Path, ref: str, prompts_dir: str) -> None:
        try:
            repo = git.Repo(root, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise GitError(f"--base {ref}: {root} is not a git repository") from None
        try:
            self.commit = repo.commit(ref)
        except (git.BadName, git.BadObject, ValueError):
            raise GitError(f"--base {ref}: unknown revision") from None
        self.ref = ref
        self.prompts_dir = prompts_dir.strip("/") or "."
        try:
            tree = self.commit.tree if self.prompts_dir == "." else self.commit.tree / self.prompts_dir
        except KeyError:
            tree = None  # no prompts directory at the base: every prompt is new
        self._tree: git.Tree | None = tree if isinstance(tree, git.Tree) else None

    def _blob(self, relative: str) -> bytes | None:
        if self._tree is None or relative.startswith("/") or ".." in relative.split("/"):
            return None
        try:
            item = self._tree / posixpath.normpath(relative)
        except KeyError:
            return None
        if not isinstance(item, git.Blob):
            return None
        try:
            return bytes(item.data_stream.read())
        except (git.GitError, ValueError, OSError) as exc:
            raise GitError(f"--base {self.ref}: cannot read {relative}: {exc}") from None

    def read_prompt(self, name: str) -> bytes | None:
        """The bytes of prompt `name` at the base; None when it does not exist there."""
        return self._blob(f"{name}{SUFFIX}")

    def read_partial(self, relative: str) -> str | None:
        """Text of an include (relative to the prompts dir) at the base, for the Jinja loader."""
        data = self._blob(relative)
        if data is None:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def prompt_names(self) -> list[str]:
        """Every prompt at the base (partials excluded), sorted."""
        if self._tree is None:
            return []
        skip = 0 if self.prompts_dir == "." else len(self.prompts_dir) + 1
        names = [
            prompt_name(str(item.path)[skip:])
            for item in self._tree.traverse()
            if isinstance(item, git.Blob) and str(item.path).endswith(SUFFIX)
        ]
        return sorted(name for name in names if name.split("/")[0] != PARTIALS_DIR)

    def path_of(self, name: str) -> str:
        return f"{name}{SUFFIX}" if self.prompts_dir == "." else f"{self.prompts_dir}/{name}{SUFFIX}"
