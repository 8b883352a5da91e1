"""Limits on the sample render: a template is user code.

Time: `{% for %}` nested over range(100000) twice would hold a pre-commit run forever. Jinja cannot be
interrupted from another thread, so the limit is a SIGALRM timer; where that is unavailable (Windows, a
non-main thread) there is no limit.

Memory: a string doubled in a loop reaches gigabytes in a fraction of a second, and the machine's OOM killer
would end the run with no word on which file did it. On Linux the address space is capped for the length of
the render, so the render fails with MemoryError instead. The cap is process-wide while it lasts, so only a
caller that owns the process (the CLI) turns it on.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SAMPLE_RENDER_SECONDS = 5.0
SAMPLE_RENDER_BYTES = 1 << 30  # address space a sample render may add to what the process has


class RenderTimeout(Exception):
    """The sample render ran past its time limit."""


def _expired(signum: int, frame: FrameType | None) -> None:
    raise RenderTimeout


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise RenderTimeout in the block after `seconds` (main thread on POSIX only)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_statm: tuple[int, int] | None = None  # (pid, fd) of /proc/self/statm: a forked worker opens its own


def _address_space() -> int | None:
    """Bytes of this process's address space (Linux), read through a descriptor kept open (1 us a read)."""
    global _statm
    pid = os.getpid()
    if _statm is None or _statm[0] != pid:
        try:
            _statm = (pid, os.open(f"/proc/{pid}/statm", os.O_RDONLY))
        except OSError:
            return None
    pages = int(os.pread(_statm[1], 64, 0).split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE")


@contextmanager
def memory_limit(extra_bytes: int | None) -> Iterator[None]:
    """Let the block grow the address space by at most `extra_bytes` (None: no limit; Linux only).

    An allocation past the cap raises MemoryError in the block. An existing lower limit is kept.
    """
    current = _address_space() if extra_bytes is not None and sys.platform.startswith("linux") else None
    if current is None or extra_bytes is None:
        yield
        return
    import resource  # POSIX only: imported where the platform is known to be Linux

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = current + extra_bytes
    for existing in (soft, hard):
        if existing != resource.RLIM_INFINITY:
            cap = min(cap, existing)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
