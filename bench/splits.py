"""Benchmark of split assignment (run by hand: `python bench/splits.py`).

Prints warm get() of a label pointing at one version against get() of a label that splits 90/10, with a
key (a SHA-256 of label, prompt and key per call) and without one (a random pick), measured side by side
in the same process on the same repository. The split's cost is the hash: it should stay a few
microseconds, small against a render.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from prometheus_client import CollectorRegistry

from promptgit.loader import Repository

ROUNDS = 5
CALLS = 20_000


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def build(root: Path) -> None:
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "bench@example.com")
    git(root, "config", "user.name", "bench")
    (root / "prompts").mkdir()
    for version in ("1.0.0", "1.1.0"):
        (root / "prompts" / "hook.j2").write_text(
            f"---\nversion: {version}\nkind: hook\ninputs:\n  topic: {{type: string}}\n---\n"
            "Hook {{ topic }}\n"
        )
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", version)
        git(root, "tag", "-a", f"prompts/hook/v{version}", "-m", version)
    (root / "prompts" / "labels.yaml").write_text(
        "plain:\n  hook: 1.0.0\nsplit:\n  hook: {1.0.0: 90, 1.1.0: 10}\n"
    )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "labels")


def per_call(function, calls: int = CALLS) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for n in range(calls):
            function(n)
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def main() -> int:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        build(root)
        repository = Repository(root, registry=CollectorRegistry(), cache_ttl=3600)
        keys = [f"user-{n}" for n in range(CALLS)]
        plain = per_call(lambda n: repository.get("hook@plain"))
        keyed = per_call(lambda n: repository.get("hook@split", key=keys[n]))
        random = per_call(lambda n: repository.get("hook@split"))
        rendered = per_call(lambda n: repository.get("hook@split", key=keys[n]).render(topic="bread"))
        repository.close()
    print(f"{'warm get()':<40} {'per call':>10} {'vs one version':>15}")
    for what, seconds in [
        ("label -> one version", plain),
        ("label -> split 90/10, with key", keyed),
        ("label -> split 90/10, no key", random),
        ("split with key + render", rendered),
    ]:
        print(f"{what:<40} {seconds * 1e6:>8.2f}us {seconds / plain:>14.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
