"""Shared by the commands that serve until stopped (`serve-metrics`, `ui`): the port argument, the wait."""

from __future__ import annotations

import argparse
import signal
import threading
from types import FrameType


def port_number(text: str) -> int:
    """A TCP port number; anything else is a usage error here, not an OverflowError from bind()."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0 to 65535)")
    return port


def wait_until_stopped() -> None:
    """Block until SIGTERM (or Ctrl-C, as KeyboardInterrupt); the caller stops its server after."""
    stopped = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
    while not stopped.wait(1.0):
        pass
