"""`promptgit test [NAME...]`: run the cases of prompts/NAME.tests.yaml; `--base REF` against a base.

Exit 0 clean, 1 on failures (with --base: on regressions, unless --strict), 2 usage or configuration.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from promptgit.errors import ConfigError

if TYPE_CHECKING:
    from promptgit.llm.cache import ResponseCache

HELP = "Run the test cases beside each prompt (replayed answers by default); --base REF compares with a base."

FORMATS = ("text", "json", "junit", "markdown", "github")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help="prompts to test (default: every tests file)"
    )
    parser.add_argument("--base", metavar="REF", help="also run the cases at REF; report regressions")
    parser.add_argument(
        "--head", metavar="REF", default="HEAD", help="the head side of --base (default HEAD)"
    )
    parser.add_argument(
        "--record",
        nargs="?",
        const="all",
        choices=("all", "missing"),
        help="call the provider and write cassettes: all requests (the default), or only missing ones",
    )
    parser.add_argument("--jobs", type=int, default=8, metavar="N", help="live calls at once (default 8)")
    parser.add_argument("--repeat", type=int, metavar="N", help="ask N times per case (flaky answers)")
    parser.add_argument("--min-pass", type=int, metavar="K", help="with --repeat: K attempts must pass")
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format (default text)")
    parser.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument(
        "--summary",
        metavar="FILE",
        help="also append the markdown report to FILE (in CI: $GITHUB_STEP_SUMMARY)",
    )
    parser.add_argument("--strict", action="store_true", help="with --base: any failure at head fails")
    parser.add_argument(
        "--cache",
        metavar="URL",
        default="default",
        help="response cache of live calls: a URL (memory://, sqlite:///f, redis://), 'default', or 'none'",
    )


def run(args: argparse.Namespace) -> int:
    from promptgit.store.workspace import Workspace, open_store
    from promptgit.testrunner.basehead import compare
    from promptgit.testrunner.provider import provider_settings
    from promptgit.testrunner.reports import REPORTS, RunReport
    from promptgit.testrunner.runner import (
        ERROR,
        FAILED,
        RunOptions,
        collect_cases,
        run_cases,
        write_cassettes,
    )
    from promptgit.testrunner.sources import CommitSource, WorktreeSource

    if args.jobs < 1 or (args.repeat is not None and args.repeat < 1):
        raise ConfigError("--jobs and --repeat take a number of at least 1")
    if args.min_pass is not None and (args.min_pass < 1 or args.min_pass > (args.repeat or 1)):
        raise ConfigError("--min-pass K needs --repeat N with 1 <= K <= N")
    if args.base and args.record:
        raise ConfigError("--record writes the working tree's cassettes; run it without --base")
    workspace = Workspace.discover()
    record = args.record or "none"
    options = RunOptions(
        record=record,
        jobs=args.jobs,
        repeat=args.repeat,
        min_pass=args.min_pass,
        provider=provider_settings(workspace.root),
        cache=_cache(args.cache) if record != "none" else None,
        default_model=workspace.config.default_model,
    )
    start = time.perf_counter()
    if args.base:
        store = open_store(workspace)
        if store is None:
            raise ConfigError("--base needs a git repository")
        try:
            base = CommitSource(workspace, store, args.base)
            head = CommitSource(workspace, store, args.head)
            basehead = compare(base, head, options, workspace.root, args.names or None)
        finally:
            store.close()
        report = RunReport([item.head for item in basehead.comparisons], basehead=basehead)
    else:
        source = WorktreeSource(workspace)
        cases = collect_cases(source, args.names or None, repeat=args.repeat, min_pass=args.min_pass)
        results, book = run_cases(source, cases, options, workspace.root)
        report = RunReport(results, mode="record" if record != "none" else "replay")
        if record != "none":
            report.written = [
                workspace.display_path(path) for path in write_cassettes(book, workspace.prompts_dir)
            ]
    report.seconds = time.perf_counter() - start
    _write(REPORTS[args.format](report), args.output)
    if args.summary and report.results:  # a run with no cases adds nothing to a job summary
        _append(REPORTS["markdown"](report), args.summary)
    if report.basehead is not None and not args.strict:
        return 1 if report.basehead.regressions else 0
    return 1 if any(result.status in (FAILED, ERROR) for result in report.results) else 0


def _cache(url: str) -> ResponseCache | None:
    if url == "none":
        return None
    from promptgit.llm.cache import ResponseCache

    return ResponseCache(None if url == "default" else url)


def _append(text: str, path: str) -> None:
    try:
        with open(path, "a", encoding="utf-8") as summary:
            summary.write(text)
    except OSError as exc:
        raise ConfigError(f"--summary {path}: {os.strerror(exc.errno or 0)}") from None


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        Path(output).write_text(text, "utf-8")
    except OSError as exc:
        raise ConfigError(f"--output {output}: {os.strerror(exc.errno or 0)}") from None
