"""The one reader of working-tree files: contained in a directory, regular files only, bounded in size.

Every command that reads a prompt, a partial or labels.yaml from disk (validate, render, tokens, list,
show, the loader's `@worktree`) reads through `read_contained`, so none of them can follow a symlinked
directory out of the repository, block on a FIFO, stream `/dev/zero`, or read more than `max_file_bytes`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from promptgit.errors import PromptSyntaxError

# opened without blocking (a FIFO with no writer would wait forever) and never as a controlling terminal
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | os.O_CLOEXEC


class UnreadableFile(PromptSyntaxError):
    """A file that is refused before its content is looked at: PG104 (too large) or PG106 (not readable,
    not a regular file, or outside the directory it must stay in). Always line 1, column 1."""

    def __init__(self, shown: str, code: str, message: str) -> None:
        super().__init__(shown, 1, 1, code, message)


def read_contained(path: Path, shown: str, max_bytes: int, within: Path) -> bytes:
    """The bytes of `path`, which must resolve (symlinks followed) to a regular file inside `within`.

    Reads at most `max_bytes`; raises UnreadableFile (a PromptSyntaxError naming `shown`) otherwise.
    """
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop on older Pythons
        raise UnreadableFile(shown, "PG106", f"cannot read file: {_reason(exc)}") from None
    if not real.is_relative_to(within.resolve()):
        raise UnreadableFile(shown, "PG106", f"cannot read file: it resolves outside {within.name}/")
    return read_regular(real, shown, max_bytes)


def read_regular(path: Path, shown: str, max_bytes: int) -> bytes:
    """The bytes of a regular file `path`, at most `max_bytes`; UnreadableFile for anything else."""
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        raise UnreadableFile(shown, "PG106", f"cannot read file: {_reason(exc)}") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(shown, "PG106", f"cannot read file: not a regular file ({_kind(info)})")
        if info.st_size > max_bytes:
            raise UnreadableFile(
                shown, "PG104", f"file is {info.st_size} bytes, over max_file_bytes ({max_bytes})"
            )
        os.set_blocking(descriptor, True)
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:  # one byte past the limit: a file growing while read is caught too
            chunk = os.read(descriptor, max_bytes + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise UnreadableFile(shown, "PG106", f"cannot read file: {_reason(exc)}") from None
    finally:
        os.close(descriptor)
    if size > max_bytes:
        raise UnreadableFile(shown, "PG104", f"file is larger than max_file_bytes ({max_bytes})")
    return b"".join(chunks)


_CONTROL = {code: f"\\x{code:02x}" for code in range(32)} | {10: "\\n", 13: "\\r", 9: "\\t", 127: "\\x7f"}


def printable(text: str) -> str:
    """`text` with control characters escaped (`\\n`, `\\x1b`): a file name with a newline in it must
    not split a one-line message in two, or forge a second line."""
    return text.translate(_CONTROL) if any(ord(c) < 32 or ord(c) == 127 for c in text) else text


def _kind(info: os.stat_result) -> str:
    mode = info.st_mode
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "a special file"


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    if isinstance(exc, RuntimeError):
        return "symlink loop"
    return str(exc) or type(exc).__name__
