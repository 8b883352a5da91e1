"""Benchmark `promptgit test` (run by hand, prints a table), next to promptfoo on the same cases.

    python bench/test_runner.py [--runs 5] [--cases 1000] [--live 200] [--latency 0.3] [--jobs 16]
                                [--promptfoo VERSION | --no-promptfoo]

Times, each as a new process (interpreter start-up included), the median of `--runs`:
- the example library (prompts/**.tests.yaml: render checks and replayed answers);
- 1,000 cases replayed from a cassette (recorded once, untimed, against promptgit.testing's stand-in);
- a live run of 200 cases against a stand-in answering in 300 ms, `--jobs 16`, against the floor of
  cases x latency / jobs (one run: it is bounded by the stand-in's latency, not by this machine).
promptfoo (npm, `promptfoo@VERSION` installed into a temp dir here only; PROMPTFOO_DIR reuses an earlier
install) runs the same cases (the same messages, the same assertions) against the same stand-in: its
"replay" is a run answered from its own response cache, filled by an untimed first run; its live run uses
`--no-cache -j 16`. Targets (issue 22): the example library under 2 s; 1,000 replayed cases at least 5x
faster than promptfoo; a live run within 1.3x of the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from promptgit.testing import StandIn  # noqa: E402

PROMPTFOO_VERSION = "0.120.27"  # the last release that runs on Node 20 (0.122+ needs Node 22.22)
SYSTEM = "You write opening lines for short videos. Always mention bread."
PROMPT = f"""\
---
version: 1.0.0
kind: hook
model: gpt-4o-mini
inputs:
  topic: {{type: string}}
sample: {{topic: sourdough}}
params: {{temperature: 0}}
---
{{% message "system" %}}{SYSTEM}{{% endmessage %}}
{{% message "user" %}}Topic: {{{{ topic }}}}
Always mention bread.{{% endmessage %}}
"""


def env(base_url: str | None = None) -> dict[str, str]:
    values = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "OPENAI_API_KEY": "bench"}
    if base_url:
        values["OPENAI_BASE_URL"] = base_url
    return values


Timing = tuple[float, float]  # wall seconds, CPU seconds (user + sys of the child and its children)


def timed(command: list[str], cwd: Path, environment: dict[str, str], expect: int = 0) -> Timing:
    """One run. CPU time is printed next to wall time: on a shared machine other work stretches the
    wall time, not the CPU time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != expect:
        raise SystemExit(
            f"{' '.join(command)} exited {done.returncode}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    return elapsed, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def medians(timings: list[Timing]) -> Timing:
    return statistics.median(wall for wall, _ in timings), statistics.median(cpu for _, cpu in timings)


def median(command: list[str], cwd: Path, environment: dict[str, str], runs: int) -> Timing:
    return medians([timed(command, cwd, environment) for _ in range(runs)])


def shown(timing: Timing) -> str:
    return f"{timing[0]:.3f} s (CPU {timing[1]:.3f} s)"


def library(root: Path, name: str, cases: int) -> None:
    """A git repository with prompt `name` and `cases` cases (three assertions each, as promptfoo gets)."""
    prompts = root / "prompts"
    (prompts / name).parent.mkdir(parents=True, exist_ok=True)
    (prompts / f"{name}.j2").write_text(PROMPT, "utf-8")
    lines = ["defaults:", "  assert: [{type: not-icontains, value: as an AI}]", "cases:"]
    for number in range(cases):
        lines += [
            f"  - name: case {number}",
            f"    inputs: {{topic: topic {number}}}",
            "    assert:",
            "      - {type: icontains, value: bread}",
            '      - {type: regex, value: "^answer \\\\d+"}',
        ]
    (prompts / f"{name}.tests.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    if not (root / ".git").exists():
        subprocess.run(["git", "init", "-q", str(root)], check=True)


def promptfoo_config(directory: Path, base_url: str, cases: int) -> Path:
    import yaml

    messages = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "Topic: {{topic}}\nAlways mention bread."},
    ]
    (directory / "prompt.json").write_text(json.dumps(messages), "utf-8")
    config = {
        "description": "promptgit bench",
        "prompts": ["file://prompt.json"],
        "providers": [
            {
                "id": "openai:chat:gpt-4o-mini",
                "config": {"apiBaseUrl": base_url, "apiKey": "bench", "temperature": 0},
            }
        ],
        "defaultTest": {"assert": [{"type": "not-icontains", "value": "as an AI"}]},
        "tests": [
            {
                "description": f"case {number}",
                "vars": {"topic": f"topic {number}"},
                "assert": [
                    {"type": "icontains", "value": "bread"},
                    {"type": "regex", "value": "^answer \\d+"},
                ],
            }
            for number in range(cases)
        ],
    }
    path = directory / f"promptfooconfig-{cases}.yaml"
    path.write_text(yaml.safe_dump(config), "utf-8")
    return path


def install_promptfoo(version: str, scratch: Path) -> Path | str:
    """The promptfoo executable, or why there is none."""
    reuse = os.environ.get("PROMPTFOO_DIR")
    directory = Path(reuse) if reuse else scratch / "promptfoo"
    binary = directory / "node_modules" / ".bin" / "promptfoo"
    if not binary.exists():
        if shutil.which("npm") is None:
            return "npm is not installed"
        directory.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(directory),
                "--no-audit",
                "--no-fund",
                "--silent",
                f"promptfoo@{version}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not binary.exists():
            return f"npm install promptfoo@{version} failed: {(done.stderr or done.stdout)[-300:]}"
    return binary


def promptfoo_env(scratch: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PROMPTFOO_CACHE_PATH": str(scratch / "promptfoo-cache"),
        "PROMPTFOO_CONFIG_DIR": str(scratch / "promptfoo-home"),
        "PROMPTFOO_DISABLE_TELEMETRY": "1",
        "PROMPTFOO_DISABLE_UPDATE": "1",
        "PROMPTFOO_DISABLE_SHARING": "1",
    }


def promptfoo_eval(binary: Path, config: Path, scratch: Path, *extra: str) -> Timing:
    output = scratch / "promptfoo-out.json"
    command = [
        str(binary),
        "eval",
        "-c",
        str(config),
        "--no-table",
        "--no-write",
        "--no-progress-bar",
        "-o",
        str(output),
        *extra,
    ]
    elapsed = timed(command, config.parent, promptfoo_env(scratch), expect=0)
    stats = json.loads(output.read_text("utf-8"))["results"]["stats"]
    if stats.get("failures") or stats.get("errors"):
        raise SystemExit(f"promptfoo: {stats}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--live", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--jobs", type=int, default=16)
    parser.add_argument("--promptfoo", default=PROMPTFOO_VERSION, metavar="VERSION")
    parser.add_argument("--no-promptfoo", action="store_true")
    args = parser.parse_args()
    promptgit = [sys.executable, "-m", "promptgit", "test", "--cache", "none"]
    rows: list[tuple[str, str, str, str, str]] = []

    example = median([*promptgit, "--output", os.devnull], REPO_ROOT, env(), args.runs)
    rows.append(("example library (19 cases: render + replay)", shown(example), "", "", "< 2 s"))

    with tempfile.TemporaryDirectory(prefix="promptgit-bench-") as temporary:
        scratch = Path(temporary)
        repo = scratch / "repo"
        library(repo, "bench/replay", args.cases)
        with StandIn() as server:
            timed([*promptgit, "--record", "--jobs", str(args.jobs)], repo, env(server.base_url))
        replay = median([*promptgit, "bench/replay", "--output", os.devnull], repo, env(), args.runs)

        library(repo, "bench/live", args.live)
        floor = args.live * args.latency / args.jobs
        with StandIn(latency=args.latency) as server:
            live = timed(
                [*promptgit, "bench/live", "--record", "--jobs", str(args.jobs)], repo, env(server.base_url)
            )

        foo_replay: Timing | None = None
        foo_live: Timing | None = None
        note = "skipped (--no-promptfoo)"
        if not args.no_promptfoo:
            binary = install_promptfoo(args.promptfoo, scratch)
            if isinstance(binary, str):
                note = binary
            else:
                node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
                note = f"promptfoo {args.promptfoo}, Node {node}"
                with StandIn() as server:
                    config = promptfoo_config(scratch, server.base_url, args.cases)
                    promptfoo_eval(binary, config, scratch, "-j", str(args.jobs))  # fills its cache, untimed
                    server.stop()  # from here on, answers come from its cache
                    foo_replay = medians(
                        [
                            promptfoo_eval(binary, config, scratch, "-j", str(args.jobs))
                            for _ in range(args.runs)
                        ]
                    )
                with StandIn(latency=args.latency) as server:
                    config = promptfoo_config(scratch, server.base_url, args.live)
                    foo_live = promptfoo_eval(binary, config, scratch, "--no-cache", "-j", str(args.jobs))

    def ratio(ours: Timing, theirs: Timing | None) -> str:
        if theirs is None:
            return ""
        return f"{theirs[0] / ours[0]:.1f}x faster (CPU {theirs[1] / ours[1]:.1f}x)"

    rows.append(
        (
            f"{args.cases} cases replayed",
            shown(replay),
            "" if foo_replay is None else shown(foo_replay),
            ratio(replay, foo_replay),
            ">= 5x faster than promptfoo",
        )
    )
    rows.append(
        (
            f"live: {args.live} cases, {args.latency * 1000:.0f} ms stand-in, --jobs {args.jobs}",
            f"{shown(live)}; {live[0] / floor:.2f}x the {floor:.2f} s floor",
            "" if foo_live is None else f"{shown(foo_live)}; {foo_live[0] / floor:.2f}x",
            ratio(live, foo_live),
            "<= 1.3x the floor",
        )
    )
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    header = ("what", "promptgit", "promptfoo", "ratio", "target")
    print(
        f"promptgit test benchmark ({os.cpu_count()} cores, load {load}; "
        f"median of {args.runs} runs; {note})\n"
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
