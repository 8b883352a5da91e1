"""Hostile inputs run through the real CLI and loader in subprocesses, each bounded by a timeout."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
# far above what any of these runs needs (well under a second each), far below the hangs they guard against
BOUND_SECONDS = 60

Run = Callable[..., subprocess.CompletedProcess[str]]


def _run(arguments: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        arguments, cwd=cwd, capture_output=True, text=True, timeout=BOUND_SECONDS, env=environment
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1, 2), (result.returncode, result.stderr)
    return result


@pytest.fixture
def cli() -> Run:
    """`cli(root, "validate", ...)`: promptgit's CLI in `root`, bounded, asserted traceback-free."""
    return lambda root, *arguments: _run([sys.executable, "-m", "promptgit", *arguments], root)


@pytest.fixture
def loader_script() -> Run:
    """`loader_script(root, code)`: Python `code` with `repo = Repository(root)` defined, bounded."""

    def run(root: Path, code: str) -> subprocess.CompletedProcess[str]:
        prelude = (
            "from prometheus_client import CollectorRegistry\n"
            "from promptgit import Repository\n"
            f"repo = Repository({str(root)!r}, registry=CollectorRegistry())\n"
        )
        return _run([sys.executable, "-c", prelude + code], root)

    return run
