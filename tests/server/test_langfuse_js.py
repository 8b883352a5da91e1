"""The official `@langfuse/client` (npm, pinned in tests/server/langfuse_js/package-lock.json) reads
prompts from `promptgit serve` unchanged, run with the machine's node: text and chat fetched and compiled,
not-found raised, fallback used, a second fetch inside the TTL makes no request."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent / "langfuse_js"
SECRET = "sk-lf-promptgit-js"


def installed() -> Path:
    """The package's node_modules, installed from the lock file first when missing (`npm ci`)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "node and npm are needed (apt-get install nodejs npm; .ci/run installs them)"
    if not (PACKAGE / "node_modules" / "@langfuse" / "client").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=PACKAGE, check=True, capture_output=True)
    return Path(node)


def test_the_js_sdk_reads_prompts_from_serve(serve: Callable[..., Any]) -> None:
    node = installed()
    server = serve(keys=(SECRET,))
    done = subprocess.run(
        [str(node), "read_prompts.mjs", server.url, SECRET],
        cwd=PACKAGE,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["text"]["compiled"] == "Hello Ada, welcome to promptgit!"
    assert out["text"]["version"] == 1 and out["text"]["labels"] == ["production"]
    assert out["text"]["config"]["promptgit"]["version"] == "1.0.0"
    assert out["staging"] == "Hello Ada, welcome to promptgit! Glad you are here."
    assert out["chat"]["compiled"] == [
        {"role": "system", "content": "You answer support questions. Be brief and kind."},
        {"role": "user", "content": "How do I roll back?"},
    ]
    assert out["notFound"]["status"] == 404
    assert out["fallback"] == {"isFallback": True, "compiled": "Hi Ada"}
    assert out["again"] == "Hello Bo, welcome to promptgit!"
    fetched = [json.loads(line)["path"] for line in server.access.lines]
    assert fetched.count("/api/public/v2/prompts/greeting") == 2  # production, staging: not the third get
