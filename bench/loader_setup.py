"""The bench repository of bench/loader.py: a prompt with many releases, its inputs, and a timing helper."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

BODY = """\
You write the opening line of a short video about {{ topic }}.
Tone: {{ tone }}. Audience: {{ audience }}.
{% for example in examples %}
Example {{ loop.index }}: {{ example }}
{% endfor %}
Answer with one sentence of at most {{ max_words }} words.
"""
FRONT = """\
---
version: {version}
kind: hook
model: gpt-4o-mini
inputs:
  topic: {{type: string}}
  tone: {{type: string, enum: [playful, serious], default: playful}}
  audience: {{type: string, default: everyone}}
  examples: {{type: array, items: {{type: string}}, required: false}}
  max_words: {{type: integer, minimum: 5, default: 20}}
---
"""
INPUTS = {
    "topic": "sourdough starters",
    "tone": "serious",
    "audience": "home bakers",
    "examples": ["Your starter is alive.", "Flour, water, patience."],
    "max_words": 18,
}
RELEASES = 40
# is the bench template representative? a second body leaning on string methods and filters, which go
# through the sandbox's attribute and call checks (rendered by Jinja alone on both sides)
METHODS_BODY = """\
{{ topic|upper }} / {{ tone.title() }} / {{ examples|join(", ") }} / {{ audience.split()|length }}
{% for e in examples %}{{ loop.index }}. {{ e.strip() }}{% if not loop.last %}; {% endif %}{% endfor %}
"""


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def build_repository(root: Path, releases: int) -> None:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "bench")
    git(root, "config", "user.email", "bench@example.com")
    (root / "prompts").mkdir()
    for minor in range(releases):
        version = f"1.{minor}.0"
        (root / "prompts" / "hook.j2").write_text(FRONT.format(version=version) + BODY + f"(v{minor})\n")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", version)
        git(root, "tag", "-a", f"prompts/hook/v{version}", "-m", version)
    (root / "prompts" / "labels.yaml").write_text(f"production:\n  hook: 1.{releases - 1}.0\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "labels")


def per_call(functions: dict[str, Callable[[], object]], number: int, repeat: int = 7) -> dict[str, float]:
    """Best mean seconds per call of each function; runs are interleaved so that load from other
    processes on the machine hits every function alike."""
    best = dict.fromkeys(functions, float("inf"))
    for _ in range(repeat):
        for name, function in functions.items():
            start = time.perf_counter()
            for _ in range(number):
                function()
            best[name] = min(best[name], (time.perf_counter() - start) / number)
    return best
