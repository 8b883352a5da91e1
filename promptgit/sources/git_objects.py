"""Reading git objects: one persistent `git cat-file --batch` process per repository, bounded in size.

Nothing here checks out, writes or moves anything. The repository is found by reading `.git` the way git
lays it out (a directory, a `gitdir:` file of a worktree or submodule, a bare repository) and the batch
process is started at the first object read, so opening a store costs neither GitPython's import
nor a process spawn. The pipe answers one request at a time, so every read holds the store's lock; a dead
or confused pipe is restarted on the next read. GitPython stays for the write and clone paths, imported
there when used.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
import weakref
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from promptgit.errors import GitError, ObjectTooLargeError

if TYPE_CHECKING:
    import git

# a prompt, partial or labels file is small (the validator's default limit is 256 KiB); a hostile or broken
# repository must not make a reader load a huge blob into memory
MAX_OBJECT_BYTES = 8 * 1024 * 1024
_CHUNK = 1 << 20
_MAX_LISTINGS = 256  # tree listings kept (by commit and directory) before the cache starts again
# path reads in one commit's directory before it is listed once and read by blob sha: `commit:path` makes
# git search the directory's tree on every read, which a large flat folder pays per prompt
LIST_AFTER_READS = 32


def find_git_dir(path: str | Path) -> tuple[Path, Path]:
    """(root, git dir) of the repository at or above `path`: the work tree, or the git dir when bare."""
    start = Path(path)
    if not start.exists():
        raise GitError(f"{path}: no such directory")
    start = start.resolve()
    for directory in (start, *start.parents):
        dotgit = directory / ".git"
        if dotgit.is_dir():
            return directory, _checked(dotgit)
        if dotgit.is_file():
            return directory, _checked(_gitdir_file(dotgit))
        if _is_bare(directory):
            return directory, _checked(directory)
    raise GitError(f"{path}: not a git repository")


def _gitdir_file(dotgit: Path) -> Path:
    """The `gitdir: <path>` pointer of a linked worktree or a submodule (relative to where it sits)."""
    try:
        line = dotgit.read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        line = ""
    if not line.startswith("gitdir:"):
        raise GitError(f"{dotgit}: not a readable git repository (corrupt or incomplete)")
    return (dotgit.parent / line.removeprefix("gitdir:").strip()).resolve()


def _is_bare(directory: Path) -> bool:
    return (directory / "HEAD").is_file() and all((directory / name).is_dir() for name in ("objects", "refs"))


def _checked(git_dir: Path) -> Path:
    if not (git_dir / "HEAD").is_file() or not common_dir(git_dir).joinpath("objects").is_dir():
        raise GitError(f"{git_dir}: not a readable git repository (corrupt or incomplete)")
    return git_dir


def common_dir(git_dir: Path) -> Path:
    """Where refs, objects and config live: the git dir itself, or the main one of a linked worktree."""
    try:
        pointer = (git_dir / "commondir").read_text("utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return git_dir
    except (OSError, UnicodeDecodeError):
        raise GitError(f"{git_dir}: not a readable git repository (corrupt commondir)") from None
    return (git_dir / pointer).resolve()


class GitObjects:
    """Objects and commits of one repository, read through cat-file; safe to share between threads."""

    def __init__(self, path: str | Path, *, max_object_bytes: int = MAX_OBJECT_BYTES) -> None:
        self.root, self.git_dir = find_git_dir(path)
        self.max_object_bytes = max_object_bytes
        self._common_dir = common_dir(self.git_dir)
        self.common_dir = self._common_dir  # where refs, objects and config live (a worktree's main .git)
        self._lock = threading.RLock()
        self._process: subprocess.Popen[bytes] | None = None
        self._repo: git.Repo | None = None
        self._listings: dict[tuple[str, str], dict[str, str]] = {}  # path -> blob sha
        self._path_reads: dict[tuple[str, str], int] = {}

    # --- objects ------------------------------------------------------------------------------------
    def _object(self, name: str) -> tuple[str, str, bytes] | None:
        """(sha, type, data) of any object name cat-file understands (`sha`, `rev:path`); None if missing."""
        if not name or any(ch in name for ch in "\n\r\0"):
            return None
        with self._lock:
            try:
                return self._read(name)
            except (OSError, ValueError) as exc:
                self._stop()
                raise GitError(f"{self.root}: cannot read git object {name!r}: {exc}") from None

    def _read(self, name: str) -> tuple[str, str, bytes] | None:
        process = self._batch()
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(name.encode("utf-8", "surrogateescape") + b"\n")
        process.stdin.flush()
        header = process.stdout.readline()
        if not header.endswith(b"\n"):
            raise OSError("git cat-file ended unexpectedly")
        if header.endswith((b" missing\n", b" ambiguous\n")):
            return None
        sha, kind, size_text = header.split()
        size = int(size_text)
        if size > self.max_object_bytes:
            _skip(process.stdout, size + 1)  # drain: the pipe must stay in step
            limit = self.max_object_bytes
            raise ObjectTooLargeError(
                f"{name} is {size} bytes, over the {limit}-byte limit", name.partition(":")[2]
            )
        data = _read_exactly(process.stdout, size)
        _read_exactly(process.stdout, 1)  # the newline after each object
        return sha.decode(), kind.decode(), data

    def _batch(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                ["git", f"--git-dir={self.git_dir}", "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                cwd=self.root,
            )
            weakref.finalize(self, _kill, self._process)
        return self._process

    def _stop(self) -> None:
        # a dead or confused cat-file pipe would fail every later read; start afresh next time
        if self._process is not None:
            _kill(self._process)
            self._process = None

    def run_git(self, *args: str) -> str:
        """Output of a read-only git command on this repository; GitError with git's message on failure."""
        try:
            done = subprocess.run(
                ["git", f"--git-dir={self.git_dir}", *args],
                cwd=self.root,
                capture_output=True,
                check=False,
            )
        except OSError as exc:
            raise GitError(f"{self.root}: cannot run git: {exc.strerror}") from None
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GitError(f"{self.root}: git {args[0]}: {message[-1] if message else 'failed'}")
        return done.stdout.decode("utf-8", "surrogateescape")

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

    def tree_paths(self, commit: str, directory: str) -> list[str]:
        """Every file path (from the root) under `directory` at `commit`, in git's order."""
        return list(self._tree_listing(commit, directory))

    def read_in(self, commit: str, directory: str, path: str) -> tuple[bytes, str] | None:
        """`read_file(commit, path)` for a `path` under `directory`: by path at first; once the directory
        has been read from LIST_AFTER_READS times, by blob sha from one listing of it (a commit never
        changes, so the listing is kept with the commit)."""
        key = (commit, directory)
        with self._lock:
            listing = self._listings.get(key)
            if listing is None:
                if len(self._path_reads) >= _MAX_LISTINGS:
                    self._path_reads.clear()
                reads = self._path_reads[key] = self._path_reads.get(key, 0) + 1
        if listing is None and reads > LIST_AFTER_READS:
            listing = self._tree_listing(commit, directory)
        if listing is None:
            return self.read_file(commit, path)
        sha = listing.get(path)
        if sha is None:
            return None  # a definite answer: the listing of the commit has no such file
        found = self._object(sha)
        if found is None:
            self._check_alive()
            raise GitError(f"{self.root}: {path} at {commit[:12]}: object listed but unreadable (corrupt)")
        return (found[2], found[0]) if found[1] == "blob" else None

    def _tree_listing(self, commit: str, directory: str) -> dict[str, str]:
        """path -> blob sha of every file under `directory` at `commit`; cached per commit and directory,
        since a commit never changes (a long-running loader lists the same commit on every refresh)."""
        key = (commit, directory)
        with self._lock:
            cached = self._listings.get(key)
        if cached is not None:
            return cached
        within = "." if directory == "." else f"{directory}/"
        try:
            listing = self.run_git("ls-tree", "-r", "-z", commit, "--", within)
        except GitError as exc:
            raise GitError(f"cannot list {directory}/ at {commit!r}: {exc}") from None
        files: dict[str, str] = {}
        for entry in listing.split("\0"):
            meta, _, path = entry.partition("\t")
            parts = meta.split(" ")
            if path and len(parts) == 3 and parts[1] == "blob":
                files[path] = parts[2]
        with self._lock:
            if len(self._listings) >= _MAX_LISTINGS:
                self._listings.clear()
            self._listings[key] = files
        return files

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
        """A GitPython repository, for write paths (release, label) that live outside this module."""
        with self._lock:
            if self._repo is None:
                import git

                try:
                    self._repo = git.Repo(self.root)
                except (git.GitError, OSError, ValueError) as exc:
                    raise GitError(f"{self.root}: cannot open the git repository: {exc}") from None
            return self._repo

    def close(self) -> None:
        """Stop the persistent cat-file process."""
        with self._lock:
            self._stop()
            if self._repo is not None:
                self._repo.close()


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise OSError("git cat-file ended in the middle of an object")
    return data


def _skip(stream: IO[bytes], size: int) -> None:
    while size > 0:
        chunk = stream.read(min(size, _CHUNK))
        if not chunk:
            raise OSError("git cat-file ended in the middle of an object")
        size -= len(chunk)


def _kill(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):  # a request still buffered for a dead process: EPIPE
                stream.close()
