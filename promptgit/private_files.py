"""Files and directories that only this user may have written: the check the on-disk caches share.

The compiled-template cache (loader/diskcache.py) executes what it reads and the response cache
(llm/cache/backends/sqlite.py) serves what it reads as a model's answer, so both refuse a directory or
file owned by another user or writable by group or others: someone else could have planted it.
Refusals are exceptions (`UntrustedPath`) that each cache counts and fails open on.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class UntrustedPath(Exception):
    """A cache file or directory that someone other than this user could have written."""


def check_private(path: Path, info: os.stat_result, what: str, *, unreadable: bool = False) -> None:
    """UntrustedPath unless `info` (of `path`, a `what`) is owned by this user and not writable by
    group or others (with `unreadable`, not readable by them either)."""
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise UntrustedPath(f"{what} {path} is owned by another user (uid {info.st_uid})")
    forbidden = 0o077 if unreadable else 0o022
    if stat.S_IMODE(info.st_mode) & forbidden:
        raise UntrustedPath(f"{what} {path} has mode {stat.S_IMODE(info.st_mode):o} (others may write it)")


def read_private(path: Path, *, max_bytes: int, unreadable: bool = False) -> bytes:
    """The bytes of `path`, a regular file (not a symlink) of at most `max_bytes`, owned by this user
    and private enough (see check_private); FileNotFoundError / OSError pass through."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a symlink: a file we never write
            raise UntrustedPath(f"{path} is a symbolic link") from None
        raise
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
            raise UntrustedPath(f"{path} is not a regular file of a sane size")
        check_private(path, info, "file", unreadable=unreadable)
        with os.fdopen(os.dup(descriptor), "rb") as stream:
            return stream.read(max_bytes + 1)
    finally:
        os.close(descriptor)
