"""Check what a commit will contain: unstaged edits set aside while the hook runs, as pre-commit does.

The plain pre-commit hook validates files on disk; the commit takes the staged blobs. A prompt staged
broken and then fixed without `git add` would be checked fixed and committed broken. So the unstaged
changes under the prompts directory and to promptgit.yaml are saved as a binary patch in the git
directory, the working tree copies are reset to the index, the checks run, and the patch is applied
again. If it cannot be applied (the files were edited meanwhile) it is kept, and its path printed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from promptgit.store.gitstore import GitStore
from promptgit.store.releasing import git


@contextmanager
def staged_in_worktree(store: GitStore, pathspecs: list[str]) -> Iterator[list[str]]:
    """Within the block the working tree copies of `pathspecs` are the staged ones; yields the paths that
    had unstaged changes (restored on exit)."""
    changed = git(store, "diff", "--name-only", "--no-ext-diff", "--", *pathspecs).split("\n")
    changed = [name for name in changed if name]
    if not changed:
        yield []
        return
    patch = subprocess.run(  # bytes: a file that is not UTF-8 is still set aside and restored exactly
        ["git", "diff", "--binary", "--no-color", "--no-ext-diff", "--", *pathspecs],
        cwd=store.root,
        capture_output=True,
        check=True,
    ).stdout
    directory = Path(git(store, "rev-parse", "--git-dir").strip())
    directory = directory if directory.is_absolute() else store.root / directory
    saved = directory / f"promptgit-unstaged-{int(time.time() * 1000)}.patch"
    saved.write_bytes(patch)
    git(store, "checkout", "--", *changed)
    try:
        yield changed
    finally:
        applied = subprocess.run(
            ["git", "apply", "--whitespace=nowarn", str(saved)],
            cwd=store.root,
            capture_output=True,
            text=True,
            check=False,
        )
        if applied.returncode == 0:
            saved.unlink()
        else:
            print(
                f"promptgit: could not restore your unstaged changes; they are saved in {saved} "
                f"(git apply {saved})",
                file=sys.stderr,
            )
