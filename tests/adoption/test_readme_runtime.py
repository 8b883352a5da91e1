"""README's "At run time" and "Calling the model" blocks, run as written from the root of this checkout (a
fresh clone in CI), the second against promptgit's OpenAI-compatible stand-in through the SDK's own
environment variables, as a reader would point it at a provider."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from promptgit.testing import StandIn

REPO_ROOT = Path(__file__).resolve().parents[2]


def readme_block(marker: str) -> str:
    text = (REPO_ROOT / "README.md").read_text("utf-8")
    (block,) = re.findall(re.escape(f"<!-- {marker} -->") + r"\n```python\n(.*?)\n```", text, re.S)
    return str(block)


def run(script: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_the_run_time_snippet_runs_as_written_in_a_clone() -> None:
    script = readme_block("runtime-test")
    script += "\nassert [m['role'] for m in messages] == ['system', 'user'], messages\n"
    script += "assert 'sourdough' in messages[-1]['content']\n"
    done = run(script)
    assert done.returncode == 0, done.stderr


def test_the_call_snippet_runs_as_written_against_an_openai_compatible_server(tmp_path: Path) -> None:
    script = readme_block("runtime-test") + "\n" + readme_block("call-test")
    script += "\nassert answer.cached is False and 'sourdough' in answer.text, answer\n"
    script += "assert answer.version and answer.usage.input_tokens > 0, answer\n"
    with StandIn() as server:
        done = run(
            script,
            {
                "OPENAI_BASE_URL": server.base_url,
                "OPENAI_API_KEY": "test-key",
                "XDG_CACHE_HOME": str(tmp_path / "cache"),
            },
        )
        assert done.returncode == 0, done.stderr
        assert server.calls == 1
        assert server.requests[0]["messages"][-1]["content"].count("sourdough") == 1
