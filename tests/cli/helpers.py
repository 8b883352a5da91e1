"""Shared by the CLI tests: a small mixed prompt repository and a runner for `promptgit` in-process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from promptgit.cli import main

HOOK = """
---
version: 1.0.0
kind: hook
description: Opening line
inputs:
  topic: {type: string}
sample: {topic: sourdough}
---
Write an opening line about {{ topic }}.
"""
CRITIC = """
---
version: 0.2.0
kind: critic
description: Score a draft
inputs:
  draft: {type: string}
  tone: {type: string, default: calm}
sample: {draft: a draft}
---
{% message "system" %}You score drafts for {{ platform }}.{% endmessage %}
{% message "user" %}{{ draft }}{% endmessage %}
"""
BROKEN = """
---
version: 1.0.0
kind: hook: nested
---
Hello
"""


@dataclass
class Result:
    code: int
    out: str
    err: str


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def mixed_repo(root: Path) -> Path:
    """One clean prompt, one with an error and a warning, one that does not parse."""
    write(root, "promptgit.yaml", "kinds: [hook, critic]\n")
    write(root, "prompts/content/hook.j2", HOOK)
    write(root, "prompts/review/critic.j2", CRITIC)
    write(root, "prompts/content/broken.j2", BROKEN)
    return root


def promptgit(capsys: pytest.CaptureFixture[str], root: Path, *argv: str) -> Result:
    """Run the CLI in-process in `root`, as `promptgit -C root ...`."""
    previous = Path.cwd()
    try:
        code = main(["-C", str(root), *argv])
    finally:
        os.chdir(previous)  # -C changes the directory of the whole process
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def promptgit_process(root: Path, *argv: str) -> Result:
    """Run the installed CLI as a real subprocess (exit codes, tracebacks and all)."""
    done = subprocess.run(
        [sys.executable, "-m", "promptgit", *argv],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)
