"""Benchmark `promptgit validate` against check-jsonschema on N prompts (run by hand, prints a table).

    python bench/validate.py [--sizes 100,1000,10000] [--jobs N] [--git]

Builds N prompt files in a temp dir: generated text and chat prompts, and every third one with a body from
the real prompt texts in $PROMPTGIT_CORPUS_DIR/fabric (default /work/shared/corpus/fabric; read here, never
copied into the repository). Times:
- promptgit validate as a library call (`promptgit.validation.run`, all rule families),
- promptgit validate as the CLI (a subprocess, interpreter start-up included),
- check-jsonschema validating only the metadata: the front matter is extracted to YAML files first, and
  only the check-jsonschema run is timed.
The ratio is promptgit's time over check-jsonschema's (target: <= 1.0, and 1000 prompts < 1 s).
Wall times are the figures; CPU seconds (this process for the library call, the child processes for the
CLI and check-jsonschema) are printed too, since on a shared machine other work stretches wall time.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

REPO_ROOT = Path(__file__).resolve().parent.parent
SCHEMA = REPO_ROOT / "schemas" / "prompt.schema.json"
T = TypeVar("T")
KINDS = ("hook", "script", "critic", "strategy", "narration", "persona", "title")


def corpus_texts() -> list[str]:
    base = Path(os.environ.get("PROMPTGIT_CORPUS_DIR", "/work/shared/corpus")) / "fabric"
    if not base.is_dir():
        base = Path("/work/shared/corpus/fabric")
    texts = [path.read_text("utf-8", errors="replace") for path in sorted(base.rglob("system.md"))]
    return [text for text in texts if 0 < len(text) < 60_000]


def front_matter(index: int) -> str:
    kind = KINDS[index % len(KINDS)]
    return (
        f"version: 1.{index % 7}.{index % 11}\n"
        f"kind: {kind}\n"
        f"description: Benchmark prompt number {index}\n"
        "model: gpt-4o-mini\n"
        "token_budget: 50000\n"
        "inputs:\n"
        "  topic: {type: string, description: What it is about}\n"
        "  tone: {type: string, enum: [playful, serious], default: playful}\n"
        "  examples: {type: array, items: {type: string}, required: false}\n"
        "sample: {topic: sourdough, examples: [one, two]}\n"
        "params: {temperature: 0.7}\n"
    )


TEXT_BODY = (
    "Write a {{ tone }} opening line about {{ topic }}.\n"
    "{% if examples %}Examples:\n{% for example in examples %}- {{ example }}\n{% endfor %}{% endif %}"
)
CHAT_BODY = (
    '{% message "system" %}You write {{ tone }} hooks.{% endmessage %}\n'
    "{% for example in examples or [] %}"
    '{% message "user" %}Example: {{ example }}{% endmessage %}'
    "{% endfor %}\n"
    '{% message "user" %}Topic: {{ topic }}{% endmessage %}\n'
)


def corpus_body(text: str) -> str:
    # the corpus is plain Markdown: raw keeps any braces in it literal
    return "{% raw %}" + text.replace("{% endraw %}", "") + "{% endraw %}\n" + TEXT_BODY


def build(root: Path, count: int, texts: list[str]) -> list[Path]:
    prompts = root / "prompts"
    made: list[Path] = []
    for index in range(count):
        if index % 3 == 0 and texts:
            body = corpus_body(texts[index // 3 % len(texts)])
        else:
            body = CHAT_BODY if index % 3 == 1 else TEXT_BODY
        path = prompts / f"group{index % 50}" / f"prompt{index}.j2"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\n{front_matter(index)}---\n{body}", "utf-8")
        made.append(path)
    return made


def extract_metadata(files: list[Path], target: Path) -> list[Path]:
    """Each prompt's front matter as its own YAML file: what check-jsonschema can validate."""
    out: list[Path] = []
    target.mkdir()
    for number, path in enumerate(files):
        text = path.read_text("utf-8")
        yaml_text = text.split("---\n", 2)[1]
        meta = target / f"{number}.yaml"
        meta.write_text(yaml_text, "utf-8")
        out.append(meta)
    return out


def timed(function: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (and theirs: worker processes count)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed_cpu(function: Callable[[], T]) -> tuple[float, float, T]:
    start = cpu_seconds()
    wall, result = timed(function)
    return wall, cpu_seconds() - start, result


def commit_all(root: Path) -> None:
    """Make the library a git repository with one commit: the version rules then have history to read."""
    identity = ["-c", "user.name=bench", "-c", "user.email=bench@example.com", "-c", "commit.gpgsign=false"]
    for command in (["init", "-q"], ["add", "-A"], [*identity, "commit", "-q", "-m", "library"]):
        subprocess.run(["git", *command], cwd=root, check=True, capture_output=True)


def cli_environment(pycache: Path) -> dict[str, str]:
    """The CLI's environment: as installed, with Python's bytecode cache (pip compiles it at install time).

    Some machines set PYTHONDONTWRITEBYTECODE=1, which makes every start compile promptgit's modules from
    source (0.02-0.04 s here); the cache goes to a temporary prefix so the source tree stays clean.
    """
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    environment["PYTHONPYCACHEPREFIX"] = str(pycache)
    return environment


def measure(
    count: int, texts: list[str], *, jobs: int = 1, git: bool = False, cli_repeat: int = 3
) -> dict[str, float]:
    from promptgit.store.workspace import Workspace
    from promptgit.validation import run

    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp) / "repo"
        files = build(root, count, texts)
        if git:
            commit_all(root)
        library, library_cpu, report = timed_cpu(lambda: run(Workspace.discover(root), jobs=jobs))
        problems = report.findings
        if problems:
            print(f"warning: {len(problems)} findings, first: {problems[0].format()}", file=sys.stderr)
        # one unmeasured run on a few files fills the bytecode cache, as installing does
        subprocess.run(
            [sys.executable, "-m", "promptgit", "validate", "prompts/group0"],
            cwd=root,
            env=cli_environment(Path(temp) / "pycache"),
            capture_output=True,
            check=False,
        )
        cli_runs = [
            timed_cpu(
                lambda: subprocess.run(
                    [sys.executable, "-m", "promptgit", "validate"],
                    cwd=root,
                    env=cli_environment(Path(temp) / "pycache"),
                    capture_output=True,
                    check=False,
                )
            )
            for _ in range(cli_repeat)
        ]
        cli, cli_cpu, done = sorted(cli_runs, key=lambda run: run[0])[len(cli_runs) // 2]  # the median run
        cli_best = min(run[0] for run in cli_runs)  # timeit's advice: slower runs are other processes
        metadata = extract_metadata(files, Path(temp) / "meta")
        command = ["check-jsonschema", "--schemafile", str(SCHEMA), *map(str, metadata)]
        reference, reference_cpu, checked = timed_cpu(
            lambda: subprocess.run(command, capture_output=True, check=False)
        )
        if checked.returncode != 0:
            print(f"warning: check-jsonschema failed: {checked.stdout[:200]!r}", file=sys.stderr)
        if done.returncode not in (0, 1):
            print(f"warning: promptgit exit {done.returncode}: {done.stderr[:300]!r}", file=sys.stderr)
    return {
        "files": count,
        "library": library,
        "library_cpu": library_cpu,
        "cli": cli,
        "cli_best": cli_best,
        "cli_cpu": cli_cpu,
        "reference": reference,
        "reference_cpu": reference_cpu,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="100,1000,10000", help="comma list of N (default: 100,1000,10000)")
    parser.add_argument(
        "--jobs", type=int, default=1, help="worker processes of the library call (default: 1)"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="CLI runs per size; the median is shown (default: 3)"
    )
    parser.add_argument(
        "--git",
        action="store_true",
        help="commit the library to a git repository (the version rules run too)",
    )
    args = parser.parse_args(argv)
    texts = corpus_texts()
    print(f"corpus: {len(texts)} fabric prompt texts; every third benchmark prompt uses one as its body")
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"load average before: {load} on {os.cpu_count()} cores (wall s, then CPU s)")
    setup = (
        "a git repository (version rules run)" if args.git else "a plain directory (no git: no version rules)"
    )
    print(f"library call: jobs={args.jobs}; the prompts are in {setup}")
    print(
        f"CLI: `python -m promptgit validate`, default jobs, bytecode cache on as after pip install; "
        f"median of {max(1, args.repeat)} runs (CLI s, its cpu s and files/s), and the best of them"
    )
    header = (
        f"{'files':>6} | {'library s':>9} | {'cpu s':>6} | {'files/s':>8} | "
        f"{'CLI s':>7} | {'best':>6} | {'cpu s':>6} | "
        f"{'files/s':>8} | {'check-jsonschema s':>18} | {'cpu s':>6} | {'files/s':>8} | "
        f"{'ratio lib':>9} | {'ratio CLI':>9}"
    )
    print(header)
    print("-" * len(header))
    for size in (int(part) for part in args.sizes.split(",")):
        row = measure(size, texts, jobs=args.jobs, git=args.git, cli_repeat=max(1, args.repeat))
        files, library, cli, reference = row["files"], row["library"], row["cli"], row["reference"]
        print(
            f"{files:>6.0f} | {library:>9.3f} | {row['library_cpu']:>6.2f} | {files / library:>8.0f} | "
            f"{cli:>7.3f} | {row['cli_best']:>6.3f} | {row['cli_cpu']:>6.2f} | {files / cli:>8.0f} | "
            f"{reference:>18.3f} | {row['reference_cpu']:>6.2f} | {files / reference:>8.0f} | "
            f"{library / reference:>9.2f} | {cli / reference:>9.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
