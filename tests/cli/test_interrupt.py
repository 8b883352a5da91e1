"""Ctrl-C during a run with worker processes: exit 130 at once, no traceback from any process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .helpers import write

PROMPT = """
---
version: 1.0.{number}
kind: hook
inputs:
  topic: {{type: string}}
sample: {{topic: sourdough}}
---
{{% for word in topic.split() %}}{{{{ word }}}} {{% endfor %}}Write about {{{{ topic }}}}.
"""


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds the workers through /proc (Linux)")
def test_interrupt_stops_the_workers_and_exits_130(tmp_path: Path) -> None:
    for number in range(4000):
        write(tmp_path, f"prompts/group{number % 20}/p{number}.j2", PROMPT.format(number=number))
    process = subprocess.Popen(
        [sys.executable, "-m", "promptgit", "validate", "--jobs", "2"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    while process.poll() is None and len(_children(process.pid)) < 2:
        time.sleep(0.01)  # wait for the workers; 4000 prompts keep them busy for seconds after that
    os.killpg(process.pid, signal.SIGINT)  # what a terminal does on Ctrl-C: the whole process group

    out, err = process.communicate(timeout=60)

    assert (process.returncode, out, err) == (130, "", "")
