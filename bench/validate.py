"""Benchmark `promptgit validate` against check-jsonschema on N prompts (run by hand, prints a table).

    python bench/validate.py [--sizes 100,1000,10000] [--jobs N] [--git]

Builds N prompt files in a temp dir: 1-3 KB generated text and chat prompts with loops
(bench/library_setup.py), and every third one with a body from the real prompt texts in
$PROMPTGIT_CORPUS_DIR/fabric (default /work/shared/corpus/fabric; read here, never copied into the
repository). Times, like with like:
- promptgit validate as a library call (`promptgit.validation.run`, all rule families),
- promptgit validate as the CLI (a subprocess, interpreter start-up included), as one process
  (`--jobs 1`) and with two worker processes (`--jobs 2`),
- check-jsonschema validating only the metadata, one process: the front matter is extracted to YAML
  files first, and only the check-jsonschema run is timed.
Ratios compare one process with one, wall with wall and CPU with CPU (target: <= 1.0, and 1000 prompts
< 1 s); the two-process wall time is shown against the same one-process reference, never as its ratio.
`--results` writes the README's rows to bench/results/ (bench/readme_table.py puts them in README.md).
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
        "cache: {ttl: 6h}\n"
    )


TEXT_BODY = (
    "Write a {{ tone }} opening line about {{ topic }}.\n"
    "{% if examples %}Examples:\n{% for example in examples %}- {{ example }}\n{% endfor %}{% endif %}"
)


def corpus_body(text: str) -> str:
    # the corpus is plain Markdown: raw keeps any braces in it literal
    return "{% raw %}" + text.replace("{% endraw %}", "") + "{% endraw %}\n" + TEXT_BODY


def build(root: Path, count: int, texts: list[str]) -> list[Path]:
    """Every third prompt has a body from the corpus; the others are bench/library_setup.py's 1-3 KB
    prompts, half of them chat prompts whose few-shot examples come from a loop."""
    from library_setup import prompt_text

    prompts = root / "prompts"
    made: list[Path] = []
    for index in range(count):
        path = prompts / f"group{index % 50}" / f"prompt{index}.j2"
        path.parent.mkdir(parents=True, exist_ok=True)
        if index % 3 == 0 and texts:
            text = f"---\n{front_matter(index)}---\n{corpus_body(texts[index // 3 % len(texts)])}"
        else:
            text = prompt_text(f"group{index % 50}/prompt{index}", index, f"1.{index % 7}.{index % 11}")
        path.write_text(text, "utf-8")
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


def median_run(runs: list[tuple[float, float, T]]) -> tuple[float, float, T]:
    """The run of median wall time, with its CPU time."""
    return sorted(runs, key=lambda run: run[0])[len(runs) // 2]


def measure(
    count: int, texts: list[str], *, jobs: int = 1, git: bool = False, cli_repeat: int = 3
) -> Figures:
    """Wall and CPU seconds of: the library call (in this process), the CLI as one process (`--jobs 1`)
    and with two worker processes (`--jobs 2`), and check-jsonschema (one process) on the metadata.
    The CLI and check-jsonschema runs are interleaved, `cli_repeat` rounds, medians."""
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
        environment = cli_environment(Path(temp) / "pycache")
        # one unmeasured run on a few files fills the bytecode cache, as installing does
        subprocess.run(
            [sys.executable, "-m", "promptgit", "validate", "prompts/group0"],
            cwd=root,
            env=environment,
            capture_output=True,
            check=False,
        )
        metadata = extract_metadata(files, Path(temp) / "meta")
        reference_command = ["check-jsonschema", "--schemafile", str(SCHEMA), *map(str, metadata)]
        commands = {
            "cli_1": [sys.executable, "-m", "promptgit", "validate", "--jobs", "1"],
            "cli_2": [sys.executable, "-m", "promptgit", "validate", "--jobs", "2"],
            "reference": reference_command,
        }
        runs: dict[str, list[tuple[float, float, subprocess.CompletedProcess[bytes]]]] = {
            name: [] for name in commands
        }
        for _ in range(cli_repeat):
            for name, command in commands.items():
                runs[name].append(
                    timed_cpu(
                        lambda command=command: subprocess.run(
                            command, cwd=root, env=environment, capture_output=True, check=False
                        )
                    )
                )
        figures: Figures = {"files": count, "library": library, "library_cpu": library_cpu}
        for name in commands:
            wall, cpu, done = median_run(runs[name])
            figures[name], figures[f"{name}_cpu"] = wall, cpu
            figures[f"{name}_best"] = min(run[0] for run in runs[name])
            expected = (0,) if name == "reference" else (0, 1)
            if done.returncode not in expected:
                print(f"warning: {name} exit {done.returncode}: {done.stdout[:200]!r}", file=sys.stderr)
    return figures


def readme_rows(figures: Figures, git: bool) -> list[tuple[str, str, str]]:
    """The README's rows for one size: like with like (one process against one, CPU against CPU), and
    two worker processes (wall, and the CPU of both) against the same one-process reference."""
    files = int(figures["files"])
    where = " in a git repository (version rules on)" if git else ""
    reference, reference_cpu = figures["reference"], figures["reference_cpu"]
    one, one_cpu = figures["cli_1"], figures["cli_1_cpu"]
    two, two_cpu = figures["cli_2"], figures["cli_2_cpu"]
    target = "< 1 s; <= 1.0x" if files == 1000 and not git else ""
    return [
        (
            f"`promptgit validate`, {files:,} prompts{where}: one process (`--jobs 1`) against "
            "check-jsonschema checking only the metadata (one process)",
            f"{one:.2f} s wall, {one_cpu:.2f} s CPU; {one / reference:.2f}x wall, "
            f"{one_cpu / reference_cpu:.2f}x CPU "
            f"(check-jsonschema {reference:.2f} s, {reference_cpu:.2f} s CPU)",
            target,
        ),
        (
            "the same, two worker processes (`--jobs 2`, the default here)",
            f"{two:.2f} s wall, {two_cpu:.2f} s CPU of both; {two / reference:.2f}x the one-process wall",
            "",
        ),
    ]


Figures = dict[str, float]


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
    parser.add_argument(
        "--results",
        action="store_true",
        help="also write the README's rows to bench/results/ (bench/readme_table.py puts them in README.md)",
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
        f"CLI: `python -m promptgit validate --jobs 1` and `--jobs 2`, bytecode cache on as after pip "
        f"install, interleaved with check-jsonschema; median of {max(1, args.repeat)} rounds (wall s, CPU s)"
    )
    header = (
        f"{'files':>6} | {'library s':>9} | {'cpu s':>6} | {'CLI -j1 s':>9} | {'cpu s':>6} | "
        f"{'CLI -j2 s':>9} | {'cpu s':>6} | {'check-jsonschema s':>18} | {'cpu s':>6} | "
        f"{'-j1/cj wall':>11} | {'-j1/cj cpu':>10} | {'-j2/cj wall':>11}"
    )
    print(header)
    print("-" * len(header))
    rows: list[tuple[str, str, str]] = []
    for size in (int(part) for part in args.sizes.split(",")):
        row = measure(size, texts, jobs=args.jobs, git=args.git, cli_repeat=max(1, args.repeat))
        reference, reference_cpu = row["reference"], row["reference_cpu"]
        print(
            f"{row['files']:>6.0f} | {row['library']:>9.3f} | {row['library_cpu']:>6.2f} | "
            f"{row['cli_1']:>9.3f} | {row['cli_1_cpu']:>6.2f} | "
            f"{row['cli_2']:>9.3f} | {row['cli_2_cpu']:>6.2f} | "
            f"{reference:>18.3f} | {reference_cpu:>6.2f} | {row['cli_1'] / reference:>11.2f} | "
            f"{row['cli_1_cpu'] / reference_cpu:>10.2f} | {row['cli_2'] / reference:>11.2f}"
        )
        rows += readme_rows(row, args.git)
    if args.results:
        from results import save

        print(f"wrote {save('validate-git' if args.git else 'validate', rows)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
