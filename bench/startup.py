"""Cold start, one new process per measurement (run by hand: `python bench/startup.py [--rounds N]`).

Prints one table, every row measured in the same interleaved rounds so that load from other processes hits
each alike (median and best of the rounds):
- run time: a process that imports promptgit, opens a Repository, gets a released prompt and renders it once,
  against the plain-Jinja floor (import jinja2, compile the same body, render it); target <= 1.5x;
- pre-commit: `python -m promptgit validate` of one prompt file, against a floor script that imports yaml and
  jinja2 and parses the front matter and compiles the body of the same file; target <= 1.5x.
`--baseline DIR` adds the same rows for another checkout of promptgit (e.g. a `git worktree` of an older
commit), for before/after figures measured side by side.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PROMPT = """\
---
version: 1.0.0
kind: hook
description: Opening line for a short video
model: gpt-4o-mini
token_budget: 800
inputs:
  topic: {type: string, description: What the video is about}
  tone: {type: string, enum: [playful, serious], default: playful}
sample: {topic: sourdough}
---
{% message "system" %}You write hooks for short videos. Keep it under 12 words.{% endmessage %}
{% message "user" %}Topic: {{ topic }} ({{ tone }}){% endmessage %}
"""

GET_AND_RENDER = """\
import promptgit
repo = promptgit.Repository({root!r})
repo.get("content/hook@1.0.0").render(topic="sourdough")
"""
# the floors read the same file with its message blocks as plain text (plain Jinja has no message tag)
JINJA_FLOOR = """\
import jinja2
source = open({path!r}, encoding="utf-8").read().split("\\n---\\n", 1)[1]
jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(source).render(topic="sourdough", tone="x")
"""
VALIDATE_FLOOR = """\
import jinja2, yaml
text = open({path!r}, encoding="utf-8").read()
front, body = text[4:].split("\\n---\\n", 1)
yaml.load(front, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
environment = jinja2.Environment()
compile(environment.compile(body, raw=True), "hook.j2", "exec")
"""


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def build_repository(root: Path) -> Path:
    (root / "prompts" / "content").mkdir(parents=True)
    path = root / "prompts" / "content" / "hook.j2"
    path.write_text(PROMPT, encoding="utf-8")
    plain = re.sub(r"{%-? (end)?message[^%]*%}", "", PROMPT)
    (root / "plain.j2").write_text(plain, encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "-c", "user.name=bench", "-c", "user.email=b@example.com", "add", "-A")
    git(root, "-c", "user.name=bench", "-c", "user.email=b@example.com", "commit", "-q", "-m", "hook")
    git(
        root,
        "-c",
        "user.name=bench",
        "-c",
        "user.email=b@example.com",
        "tag",
        "-a",
        "prompts/content/hook/v1.0.0",
        "-m",
        "1.0.0",
    )
    return path


def timed(command: list[str], cwd: Path, tree: Path | None) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run; CPU (user + system, its git children included) moves
    less than wall time when other processes share the machine."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as after pip install: bytecode cached
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--baseline", type=Path, help="another promptgit checkout to measure beside this one")
    parser.add_argument(
        "--results", action="store_true", help="also write the README's rows to bench/results/startup.md"
    )
    args = parser.parse_args(argv)
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        build_repository(root)
        path = root / "plain.j2"
        trees = {"": REPO_ROOT} | ({" (baseline)": args.baseline.resolve()} if args.baseline else {})
        rows: dict[str, tuple[list[str], Path | None]] = {
            "python -c pass": ([python, "-c", "pass"], None),
            "jinja floor: import, compile, render": (
                [python, "-c", JINJA_FLOOR.format(path=str(path))],
                None,
            ),
            "validate floor: yaml + jinja2 parse, compile": (
                [python, "-c", VALIDATE_FLOOR.format(path=str(path))],
                None,
            ),
        }
        for suffix, tree in trees.items():
            rows[f"promptgit: import, Repository, get, render{suffix}"] = (
                [python, "-c", GET_AND_RENDER.format(root=str(root))],
                tree,
            )
            rows[f"promptgit validate one file{suffix}"] = (
                [python, "-m", "promptgit", "validate", "prompts/content/hook.j2"],
                tree,
            )
        for command, tree in rows.values():  # warm the bytecode caches and the page cache
            timed(command, root, tree)
        walls: dict[str, list[float]] = {name: [] for name in rows}
        cpus: dict[str, list[float]] = {name: [] for name in rows}
        for _ in range(args.rounds):
            for name, (command, tree) in rows.items():
                wall, cpu = timed(command, root, tree)
                walls[name].append(wall)
                cpus[name].append(cpu)
    wall_ms = {name: statistics.median(values) * 1000 for name, values in walls.items()}
    best_ms = {name: min(values) * 1000 for name, values in walls.items()}
    cpu_ms = {name: statistics.median(values) * 1000 for name, values in cpus.items()}
    floors = {"promptgit: import": "jinja floor", "promptgit validate": "validate floor"}
    print(f"cold start, a new process each, {args.rounds} interleaved rounds (ms; medians, best wall run)")
    print(f"{'what':<56} {'wall':>7} {'best':>7} {'cpu':>7} {'wall/floor':>11} {'cpu/floor':>10}")
    for name in rows:
        floor = next((f for prefix, f in floors.items() if name.startswith(prefix)), None)
        floor_name = next((n for n in rows if floor and n.startswith(floor)), None)
        wall_ratio = f"{wall_ms[name] / wall_ms[floor_name]:.2f}x" if floor_name else ""
        cpu_ratio = f"{cpu_ms[name] / cpu_ms[floor_name]:.2f}x" if floor_name else ""
        print(
            f"{name:<56} {wall_ms[name]:>7.1f} {best_ms[name]:>7.1f} {cpu_ms[name]:>7.1f}"
            f" {wall_ratio:>11} {cpu_ratio:>10}"
        )
    if args.results:
        from results import save

        rows = []
        for name, what, floor_name in (
            (
                "promptgit: import, Repository, get, render",
                "cold start: new process, import + Repository + get + render",
                "jinja floor: import, compile, render",
            ),
            (
                "promptgit validate one file",
                "cold start: `promptgit validate` of one file in a git repository (what a hook runs)",
                "validate floor: yaml + jinja2 parse, compile",
            ),
        ):
            measured = (
                f"{wall_ms[name]:.0f} ms wall, {cpu_ms[name]:.0f} ms CPU; "
                f"{wall_ms[name] / wall_ms[floor_name]:.2f}x wall, {cpu_ms[name] / cpu_ms[floor_name]:.2f}x "
                f"CPU of the floor ({floor_name.partition(':')[2].strip()}: {wall_ms[floor_name]:.0f} ms, "
                f"{cpu_ms[floor_name]:.0f} ms CPU); medians of {args.rounds} rounds"
            )
            rows.append((what, measured, "<= 1.5x"))
        print(f"wrote {save('startup', rows)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
