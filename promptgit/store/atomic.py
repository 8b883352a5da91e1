"""Edits of working-tree files that two processes may make at once (`label set`, `bump`): locked, atomic.

    with edit_lock(path):            # one writer at a time, across processes
        text = path.read_text()      # read inside the lock: a concurrent edit is never lost
        write_atomic(path, new_text.encode())

- The lock is a `filelock.FileLock` (fcntl/msvcrt advisory lock) on a file inside the git directory (or
  the system temp directory outside git), never in the work tree: a lock file left behind is not an
  untracked change that `release` would refuse.
- The new content goes to a unique temporary file in the same directory (`.NAME.XXXX.promptgit-tmp`), is
  flushed to disk, then renamed over the file: a reader sees the old file or the new one, never half.
  A writer killed between write and rename leaves its temporary file; the next writer (holding the
  lock, so no live writer owns one) removes it, and `release` ignores such files meanwhile.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from promptgit.errors import PromptgitError

TEMP_SUFFIX = ".promptgit-tmp"
LOCK_TIMEOUT = 60.0  # seconds; a label set or bump holds the lock for milliseconds


def temp_name_pattern(name: str) -> tuple[str, str]:
    """(prefix, suffix) of the temporary files of the file `name`: what release and cleanup recognise."""
    return f".{name}.", TEMP_SUFFIX


def is_temporary(filename: str) -> bool:
    """Whether a file name is one of our temporary files (left behind only by a killed writer)."""
    return filename.startswith(".") and filename.endswith(TEMP_SUFFIX)


@contextlib.contextmanager
def edit_lock(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the exclusive lock of `path` (across processes) for the block; PromptgitError on timeout."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(_lock_file(path)), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        waited = f"waited {timeout:.0f} s"
        raise PromptgitError(f"{path.name}: another promptgit is editing it ({waited})") from None
    try:
        _remove_stale_temporaries(path)
        yield
    finally:
        lock.release()


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` through a unique temporary file and a rename (keeps the file's mode)."""
    prefix, suffix = temp_name_pattern(path.name)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = 0o644  # a new file (labels.yaml of a fresh repository): what git checks files out as
    handle, temporary = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _remove_stale_temporaries(path: Path) -> None:
    prefix, suffix = temp_name_pattern(path.name)
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            if entry.name.startswith(prefix) and entry.name.endswith(suffix):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _lock_file(path: Path) -> Path:
    """Where the lock of `path` lives: `<git dir>/promptgit-locks/`, else a private temp directory."""
    real = path.absolute().parent.resolve() / path.name
    digest = hashlib.sha256(str(real).encode("utf-8", "surrogateescape")).hexdigest()[:24]
    git_dir = _git_dir(real.parent)
    if git_dir is not None:
        directory = git_dir / "promptgit-locks"
    else:
        user = os.getuid() if hasattr(os, "getuid") else 0
        directory = Path(tempfile.gettempdir()) / f"promptgit-locks-{user}"
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory / f"{digest}.lock"


def _git_dir(start: Path) -> Path | None:
    """The git directory of the work tree holding `start` (`.git`, or where a `.git` file points)."""
    for directory in (start, *start.parents):
        dot_git = directory / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():
            with contextlib.suppress(OSError, UnicodeDecodeError):
                text = dot_git.read_text("utf-8").strip()
                if text.startswith("gitdir:"):
                    target = Path(text.removeprefix("gitdir:").strip())
                    target = target if target.is_absolute() else directory / target
                    if target.is_dir():
                        return target
            return None
    return None
