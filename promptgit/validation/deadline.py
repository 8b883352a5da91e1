"""A wall-clock limit on the sample render: a template is user code, and `{% for %}` nested over
range(100000) twice would hold a pre-commit run forever. Jinja cannot be interrupted from another thread, so
the limit is a SIGALRM timer; where that is unavailable (Windows, a non-main thread) there is no limit.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SAMPLE_RENDER_SECONDS = 5.0


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
