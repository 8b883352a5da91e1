"""README's "At run time" block, run as written from the root of this checkout (a fresh clone in CI)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- runtime-test -->"


def test_the_run_time_snippet_runs_as_written_in_a_clone() -> None:
    text = (REPO_ROOT / "README.md").read_text("utf-8")
    (block,) = re.findall(re.escape(MARKER) + r"\n```python\n(.*?)\n```", text, re.S)
    script = block + "\nassert [m['role'] for m in messages] == ['system', 'user'], messages\n"
    script += "assert 'sourdough' in messages[-1]['content']\n"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
