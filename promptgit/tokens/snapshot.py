"""Prompts as they are at a base ref, for `promptgit tokens --base REF`: read through the git layer."""

from __future__ import annotations

from pathlib import Path

from promptgit.errors import GitError
from promptgit.store.gitstore import GitStore


class BaseSnapshot:
    """The prompts directory of the commit `ref` names; nothing checked out, nothing written."""

    def __init__(self, root: Path, ref: str, prompts_dir: str) -> None:
        self.ref = ref
        try:
            self.store = GitStore(root, prompts_dir)
            self.commit = self.store.resolve_commit(ref)
        except GitError as exc:
            raise GitError(f"--base {ref}: {exc}") from None

    def read_prompt(self, name: str) -> bytes | None:
        """The bytes of prompt `name` at the base; None when it does not exist there."""
        found = self.store.read_prompt(self.commit, name)
        return found[0] if found else None

    def read_partial(self, relative: str) -> str | None:
        """Text of an include (relative to the prompts dir) at the base, for the Jinja loader."""
        return self.store.read_partial(self.commit, relative)

    def prompt_names(self) -> list[str]:
        """Every prompt at the base (partials excluded), sorted."""
        return self.store.prompt_names(self.commit)

    def path_of(self, name: str) -> str:
        return self.store.prompt_path(name)

    def close(self) -> None:
        self.store.close()
