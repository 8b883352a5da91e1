"""Reading git objects: one persistent `git cat-file --batch` process per repository, bounded in size.

Nothing here checks out, writes or moves anything. GitPython's cat-file pipe is not thread-safe, so every
read holds the store's lock; a dead or confused pipe is restarted on the next read.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import git

from promptgit.errors import GitError, ObjectTooLargeError

# a prompt, partial or labels file is small (the validator's default limit is 256 KiB); a hostile or broken
# repository must not make a reader load a huge blob into memory
MAX_OBJECT_BYTES = 8 * 1024 * 1024


class GitObjects:
    """Objects and commits of one repository, read through cat-file; safe to share between threads."""

    def __init__(self, path: str | Path, *, max_object_bytes: int = MAX_OBJECT_BYTES) -> None:
        try:
            self._repo = git.Repo(Path(path), search_parent_directories=True)
        except git.NoSuchPathError:
            raise GitError(f"{path}: no such directory") from None
        except git.InvalidGitRepositoryError:
            start = Path(path).resolve()
            broken = next((d for d in (start, *start.parents) if (d / ".git").exists()), None)
            if broken is not None:
                message = "not a readable git repository (corrupt or incomplete)"
                raise GitError(f"{broken / '.git'}: {message}") from None
            raise GitError(f"{path}: not a git repository") from None
        except (git.GitError, OSError, ValueError) as exc:
            raise GitError(f"{path}: cannot open the git repository: {exc}") from None
        self.root = Path(self._repo.working_tree_dir or self._repo.git_dir).resolve()
        self.max_object_bytes = max_object_bytes
        self._common_dir = Path(self._repo.common_dir)
        self._lock = threading.RLock()

    # --- objects ------------------------------------------------------------------------------------
    def _object(self, name: str) -> tuple[str, str, bytes] | None:
        """(sha, type, data) of any object name cat-file understands (`sha`, `rev:path`); None if missing."""
        if not name or any(ch in name for ch in "\n\r\0"):
            return None
        with self._lock:
            try:
                sha, kind, size, stream = self._repo.git.stream_object_data(name)
                if size > self.max_object_bytes:
                    while stream.read(1 << 20):  # drain in chunks: the pipe must stay in step
                        pass
                    raise ObjectTooLargeError(
                        f"{name} is {size} bytes, over the {self.max_object_bytes}-byte limit",
                        name.partition(":")[2],
                    )
                data = stream.read()
            except ValueError:  # "missing" or "ambiguous"
                return None
            except (git.GitError, OSError) as exc:
                self._restart_cat_file()
                raise GitError(f"{self.root}: cannot read git object {name!r}: {exc}") from None
        return _text(sha), _text(kind), data

    def _restart_cat_file(self) -> None:
        # a dead or confused cat-file pipe would fail every later read; start afresh next time
        with contextlib.suppress(Exception):
            self._repo.git.clear_cache()

    def resolve_commit(self, ref: str = "HEAD") -> str:
        """The commit sha that `ref` (branch, tag, sha, HEAD~2 ...) names; GitError when unknown."""
        found = self._object(f"{ref}^{{commit}}")
        if found is None:
            self._check_alive()
            raise GitError(f"{self.root}: unknown revision {ref!r}")
        return found[0]

    def read_file(self, commit: str, path: str) -> tuple[bytes, str] | None:
        """(data, blob sha) of `path` (from the repository root) at `commit`; None when absent."""
        found = self._object(f"{commit}:{path}")
        if found is None:
            self._check_listed(commit, path)
            return None
        if found[1] != "blob":
            return None
        return found[2], found[0]

    def _check_listed(self, commit: str, path: str) -> None:
        """cat-file says "missing" for an unreadable object too: walk the trees from the commit down, and
        an object that its parent lists (or the commit itself) but that cannot be read is corruption, a
        GitError, never "absent" (which would turn a broken repository into PromptNotFoundError)."""
        if self._object(f"{commit}^{{tree}}") is None:
            raise GitError(f"{self.root}: commit {commit[:12]} or its tree is unreadable (corrupt)")
        parts = path.split("/")
        for depth in range(len(parts)):
            directory = "/".join(parts[:depth])
            tree = self._object(f"{commit}:{directory}" if directory else f"{commit}^{{tree}}")
            if tree is None:
                raise GitError(
                    f"{self.root}: {directory} at {commit[:12]}: tree listed but unreadable (corrupt)"
                )
            if tree[1] != "tree" or b" " + parts[depth].encode() + b"\0" not in tree[2]:
                return  # a definite answer: the path is not in the commit
        raise GitError(f"{self.root}: {path} at {commit[:12]}: object listed but unreadable (corrupt)")

    def _check_alive(self) -> None:
        if not self._common_dir.is_dir() or not (self._common_dir / "HEAD").exists():
            raise GitError(f"{self.root}: the git repository is gone or corrupt (no {self._common_dir}/HEAD)")

    @property
    def repo(self) -> git.Repo:
        """The GitPython repository, for write paths (release, label) that live outside this module."""
        return self._repo

    def close(self) -> None:
        """Stop the persistent cat-file processes."""
        with self._lock:
            self._repo.close()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def git_stderr(exc: git.GitCommandError) -> str:
    text = exc.stderr if isinstance(exc.stderr, str) else str(exc)
    return (
        text.strip().removeprefix("stderr:").strip().strip("'").splitlines()[-1] if text.strip() else str(exc)
    )
