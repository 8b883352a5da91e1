"""Benchmark of the runtime loader (run by hand: `python bench/loader.py [--quick] [--profile]`).

Prints one table:
- warm `get()+render()` (input validation with jsonschema, sandbox, metrics and token estimate on) against a
  plain `jinja2.Template(source).render(**inputs)` of the same template and inputs (target ratio <= 1.5);
- cold `get()` of an exact version (cache empty: tag lookup, blob read, compile) against
  `git show <tag>:<path>` as a subprocess (target ratio <= 0.5): truly cold (nothing on disk; the headline)
  and warm-disk (compiled prompts in a `cache_dir` written by an earlier process);
- throughput of warm get+render with 1, 4 and 16 threads sharing one Repository.
With --profile, the top functions of the warm path by own time, to say where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import jinja2
from loader_setup import INPUTS, METHODS_BODY, RELEASES, build_repository, git, per_call
from prometheus_client import CollectorRegistry

from promptgit.format.prompt import compile_ast, compile_document, parse_document, parse_template
from promptgit.format.templating import make_environment
from promptgit.loader import Repository
from promptgit.store.gitstore import GitStore
from promptgit.store.selectors import parse_selector
from promptgit.tokens import count as count_tokens


def cold_get_time(root: Path, versions: list[str], rounds: int = 3, cache_dir: Path | None = None) -> float:
    """Best mean seconds of get() for versions not yet cached in memory (a fresh Repository each round);
    with `cache_dir`, compiled prompts may come from disk."""
    best = float("inf")
    for _ in range(rounds):
        repository = Repository(root, registry=CollectorRegistry(), cache_dir=cache_dir)
        start = time.perf_counter()
        for version in versions:
            repository.get(f"hook@{version}")
        best = min(best, (time.perf_counter() - start) / len(versions))
        repository.close()
    return best


def cold_git_read_time(root: Path, versions: list[str], rounds: int = 3) -> float:
    """The git part of a cold get(): tag -> commit -> blob, read in-process (no compile)."""
    best = float("inf")
    for _ in range(rounds):
        store = GitStore(root)
        head = store.at(store.resolve_commit(), "prompts")
        start = time.perf_counter()
        for version in versions:
            selector = parse_selector(f"hook@{version}")
            commit = store.release_commit("hook", store.resolve_version(selector, head))
            store.at(commit, "prompts").read_prompt("hook")
        best = min(best, (time.perf_counter() - start) / len(versions))
        store.close()
    return best


def compile_times(root: Path) -> dict[str, float]:
    """The compile part of a cold get(), whole and by step: front matter, Jinja parse, code generation
    plus Python's compile()."""
    data = (root / "prompts" / "hook.j2").read_bytes()
    environment = make_environment(lambda relative: None)
    document = parse_document("hook", "prompts/hook.j2", data)
    return per_call(
        {
            "compile": lambda: compile_document(parse_document("hook", "prompts/hook.j2", data), environment),
            "front matter": lambda: parse_document("hook", "prompts/hook.j2", data),
            "jinja parse": lambda: parse_template(document, environment),
            "parse+codegen": lambda: compile_ast(
                document, environment, parse_template(document, environment)
            ),
        },
        100,
        repeat=5,
    )


def git_show_time(root: Path, versions: list[str], rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for version in versions:
            subprocess.run(
                ["git", "-C", str(root), "show", f"prompts/hook/v{version}:prompts/hook.j2"],
                check=True,
                capture_output=True,
            )
        best = min(best, (time.perf_counter() - start) / len(versions))
    return best


def throughput(repository: Repository, threads: int, operations: int) -> float:
    per_thread = operations // threads
    barrier = threading.Barrier(threads + 1)

    def work() -> None:
        barrier.wait()
        for _ in range(per_thread):
            repository.get("hook@production").render(**INPUTS)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    start = time.perf_counter()
    for worker in workers:
        worker.join()
    return per_thread * threads / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    parser.add_argument("--profile", action="store_true", help="profile the warm get+render path")
    args = parser.parse_args(argv)
    warm_n = 2_000 if args.quick else 20_000
    releases = 10 if args.quick else RELEASES

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        build_repository(root, releases)
        rows: list[tuple[str, str, str]] = []

        # --- warm get+render against plain Jinja -------------------------------------------------------
        repository = Repository(root, registry=CollectorRegistry())
        prompt = repository.get("hook@production")
        source = (root / "prompts" / "hook.j2").read_text().split("---\n", 2)[2]
        template = jinja2.Template(source, trim_blocks=True, lstrip_blocks=True)
        assert template.render(**INPUTS).strip() == str(prompt.render(**INPUTS)).strip()
        # for reference only: plain Jinja given its globals as a dict, as promptgit compiles templates
        plain_env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
        tuned = plain_env.template_class.from_code(
            plain_env, plain_env.compile(source), dict(plain_env.make_globals(None)), None
        )
        values = prompt.check_inputs(INPUTS)
        timings = per_call(
            {
                "plain": lambda: template.render(**INPUTS),
                "warm": lambda: repository.get("hook@production").render(**INPUTS),
                "render": lambda: prompt.render(**INPUTS),
                "get": lambda: repository.get("hook@production"),
                "check": lambda: prompt.check_inputs(INPUTS),
                "sandboxed": lambda: prompt.template.render(values),
                "tuned": lambda: tuned.render(**INPUTS),
            },
            warm_n,
        )
        plain, warm, render_only, get_only = (timings[k] for k in ("plain", "warm", "render", "get"))
        check, sandboxed, tuned_plain = timings["check"], timings["sandboxed"], timings["tuned"]
        rest = render_only - check - sandboxed
        token_count = per_call(
            {"count": lambda: count_tokens(str(prompt.render(**INPUTS)), prompt.model)}, 200
        )
        rows += [
            ("plain jinja2.Template.render", f"{plain * 1e6:.1f} us", ""),
            ("warm get()+render()", f"{warm * 1e6:.1f} us", f"{warm / plain:.2f}x plain (target <= 1.5)"),
            ("  of which get() (cache hit)", f"{get_only * 1e6:.1f} us", ""),
            ("  of which render() (validate+render+metrics+tokens)", f"{render_only * 1e6:.1f} us", ""),
            ("    input check (fast path) and defaults", f"{check * 1e6:.1f} us", ""),
            ("    sandboxed Jinja render (dict globals)", f"{sandboxed * 1e6:.1f} us", ""),
            ("    metrics, token estimate, timing, output trim", f"{rest * 1e6:.1f} us", ""),
            (
                "  one exact token count (every 128th render)",
                f"{token_count['count'] * 1e6:.1f} us",
                f"{token_count['count'] / 128 * 1e6:.2f} us per render",
            ),
            (
                "reference: plain Jinja with dict globals",
                f"{tuned_plain * 1e6:.1f} us",
                f"warm is {warm / tuned_plain:.2f}x this",
            ),
        ]
        environment = make_environment(lambda relative: None)
        sandboxed_methods = environment.template_class.from_code(
            environment, environment.compile(METHODS_BODY), dict(environment.make_globals(None)), None
        )
        plain_methods = jinja2.Template(METHODS_BODY, trim_blocks=True, lstrip_blocks=True)
        assert plain_methods.render(**INPUTS) == sandboxed_methods.render(**INPUTS)
        methods = per_call(
            {
                "plain": lambda: plain_methods.render(**INPUTS),
                "sandboxed": lambda: sandboxed_methods.render(**INPUTS),
            },
            warm_n,
        )
        rows += [
            ("string-method template: plain Jinja render", f"{methods['plain'] * 1e6:.1f} us", ""),
            (
                "string-method template: sandboxed render only",
                f"{methods['sandboxed'] * 1e6:.1f} us",
                f"{methods['sandboxed'] / methods['plain']:.2f}x plain",
            ),
        ]

        # --- cold get of an exact version against git show ---------------------------------------------
        versions = [f"1.{minor}.0" for minor in range(releases)]
        show = git_show_time(root, versions[:20])
        cold_loose = cold_get_time(root, versions)
        # what a clone (and Repository.clone's mirror) has: packed refs with peeled tags
        git(root, "pack-refs", "--all")
        cold_packed = cold_get_time(root, versions)
        git_read = cold_git_read_time(root, versions)
        compiling = compile_times(root)
        disk = Path(tmp) / "cache"
        cold_get_time(root, versions, rounds=1, cache_dir=disk)  # an earlier process fills the disk cache
        warm_disk = cold_get_time(root, versions, cache_dir=disk)
        start = time.perf_counter()
        opened = Repository(root, registry=CollectorRegistry())
        opened.get(f"hook@{versions[0]}")
        open_and_get = time.perf_counter() - start
        opened.close()
        rows += [
            ("git show TAG:PATH (subprocess)", f"{show * 1e3:.2f} ms", ""),
            (
                "cold get() of an exact version, loose tags",
                f"{cold_loose * 1e3:.2f} ms",
                f"{cold_loose / show:.2f}x git show (target <= 0.5)",
            ),
            (
                "cold get() of an exact version, packed tags",
                f"{cold_packed * 1e3:.2f} ms",
                f"{cold_packed / show:.2f}x git show (target <= 0.5)",
            ),
            (
                "  of which git reads (tag, commit, blob)",
                f"{git_read * 1e3:.2f} ms",
                f"{git_read / show:.2f}x git show",
            ),
            ("  of which compile (front matter, Jinja)", f"{compiling['compile'] * 1e3:.2f} ms", ""),
            ("    front matter (YAML)", f"{compiling['front matter'] * 1e3:.2f} ms", ""),
            ("    Jinja parse", f"{compiling['jinja parse'] * 1e3:.2f} ms", ""),
            (
                "    Jinja code generation + compile()",
                f"{(compiling['parse+codegen'] - compiling['jinja parse']) * 1e3:.2f} ms",
                "",
            ),
            (
                "cold get(), packed tags, warm disk cache",
                f"{warm_disk * 1e3:.2f} ms",
                f"{warm_disk / show:.2f}x git show (compiled by an earlier process)",
            ),
            (
                "Repository() + first get() (once)",
                f"{open_and_get * 1e3:.2f} ms",
                f"{open_and_get / show:.2f}x git show",
            ),
        ]

        # --- throughput --------------------------------------------------------------------------------
        operations = 20_000 if not args.quick else 4_000
        single = 0.0
        for threads in (1, 4, 16):
            rate = throughput(repository, threads, operations)
            single = single or rate
            rows.append(
                (
                    f"throughput, {threads} thread(s)",
                    f"{rate:,.0f} renders/s",
                    f"{rate / single:.2f}x 1 thread",
                )
            )

        print(f"promptgit loader benchmark (python {sys.version.split()[0]}, jinja2 {jinja2.__version__})")
        width = max(len(row[0]) for row in rows)
        for name, value, ratio in rows:
            print(f"{name:<{width}}  {value:>18}  {ratio}")

        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(warm_n):
                repository.get("hook@production").render(**INPUTS)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(18)
            print(out.getvalue())
        repository.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
