"""Rendering a template as the untrusted code it is: bounded in time and memory, every failure a RenderError.

The validator renders each prompt's sample, and `promptgit render` and `tokens` render what a pull request
brings: none of them may hang, take the machine's memory, or end in a traceback.

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
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any

from promptgit.errors import PromptgitError, RenderError

if TYPE_CHECKING:
    from promptgit.format.prompt import Prompt
    from promptgit.format.templating import Rendered

RENDER_SECONDS = 5.0
RENDER_BYTES = 1 << 30  # address space a render may add to what the process has


class RenderTimeout(Exception):
    """The render ran past its time limit."""


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


def render_bounded(prompt: Prompt, inputs: dict[str, Any], *, memory: int | None = None) -> Rendered:
    """`prompt.render(**inputs)` within RENDER_SECONDS and, with `memory`, that many more bytes.

    Every failure is a RenderError whose `line` is the template line it happened at (None when unknown);
    reasons beyond Prompt.render's: `timeout`, `memory`, `recursion`, and `error` for an exception of the
    template's own making (a division by zero). Other PromptgitErrors (invalid inputs) pass through.
    """
    try:
        with time_limit(RENDER_SECONDS), memory_limit(memory):
            return prompt.render(**inputs)
    except RenderTimeout as exc:
        message = f"render did not finish within {RENDER_SECONDS:g} s (a loop too large?)"
        raise RenderError(message, "timeout", template_line(exc, prompt.path)) from None
    except MemoryError as exc:
        size = f"{memory / (1 << 30):g} GiB" if memory else "the memory available"
        message = f"render needed more than {size} of memory (a string grown in a loop?)"
        raise RenderError(message, "memory", template_line(exc, prompt.path)) from None
    except RecursionError as exc:
        line = template_line(exc, prompt.path)  # the deepest template frame: where it recurses
        raise RenderError("render: recursion too deep", "recursion", line) from None
    except RenderError as exc:
        if exc.line is None:
            exc.line = template_line(exc, prompt.path)
        raise
    except PromptgitError:
        raise
    except Exception as exc:  # the template's own code failed: what and where, never a traceback
        detail = str(exc).splitlines()[0] if str(exc) else ""
        message = f"render failed: {type(exc).__name__}" + (f": {detail}" if detail else "")
        raise RenderError(message, "error", template_line(exc, prompt.path)) from None


def located(error: RenderError, path: str) -> str:
    """The error as one line that starts with the file and, when known, the line: `path:line: message`."""
    text = str(error)
    if text.startswith(path):
        return text
    return f"{path}:{error.line}: {text}" if error.line else f"{path}: {text}"


def template_line(exc: BaseException, template_name: str | None) -> int | None:
    """The line in `template_name` where rendering failed, from Jinja's rewritten traceback."""
    line = None
    for error in (exc, exc.__context__, exc.__cause__):
        traceback: TracebackType | None = error.__traceback__ if error is not None else None
        while traceback is not None:
            if traceback.tb_frame.f_code.co_filename == template_name:
                line = traceback.tb_lineno
            traceback = traceback.tb_next
        if line is not None:
            return line
    return None
