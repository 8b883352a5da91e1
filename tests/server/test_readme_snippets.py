"""The bundle commands of the README, run literally (the `sh` block after `<!-- serve-test -->`) in a
repository with releases, with `promptgit` on PATH running this working tree."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import PromptRepo

REPO_ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- serve-test -->"
BLOCK = re.compile(re.escape(MARKER) + r"\n```sh\n(.*?)\n```", re.S)


def test_the_readme_bundle_commands_work_literally(history: PromptRepo, tmp_path: Path) -> None:
    text = (REPO_ROOT / "README.md").read_text("utf-8")
    blocks = BLOCK.findall(text)
    assert len(blocks) == text.count(MARKER) == 1
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "promptgit"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m promptgit "$@"\n')
    shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", blocks[0]],
        cwd=history.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "OK: 4 release(s) of 2 prompt(s)" in done.stdout and "signature good" in done.stdout
    assert (history.root / "prompts.bundle.json").is_file()
