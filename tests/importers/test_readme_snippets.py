"""The import commands of the README and docs/import.md, run literally.

Every fenced `sh` block right after an `<!-- import-test -->` line runs in one bash (`-e -o pipefail`)
in a fresh git repository, with `promptgit` on PATH running this working tree. (The adoption blocks,
which install promptgit from git, are tests/adoption/test_docs_commands.py's.)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- import-test -->"
BLOCK = re.compile(re.escape(MARKER) + r"\n```sh\n(.*?)\n```", re.S)


def _blocks() -> list[str]:
    found = []
    for path in (REPO_ROOT / "README.md", REPO_ROOT / "docs" / "import.md"):
        text = path.read_text("utf-8")
        blocks = BLOCK.findall(text)
        assert len(blocks) == text.count(MARKER), f"{path.name}: a {MARKER} line without an sh block after it"
        found += blocks
    return found


def test_the_readme_import_commands_work_literally(tmp_path: Path) -> None:
    blocks = _blocks()
    assert len(blocks) == 1
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "promptgit"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m promptgit "$@"\n')
    shim.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "PYTHONPATH": str(REPO_ROOT)}

    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", "\n".join(blocks)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 file would be written (dry run)" in done.stdout
    assert "1 prompt: 1 converted, 0 with losses, 0 failed; 1 file written" in done.stdout
    assert "1 file checked: no problems" in done.stdout
    assert done.stdout.endswith("You help Ada. Answer in two sentences.\n\n[user]\nWhere is my order?\n")
