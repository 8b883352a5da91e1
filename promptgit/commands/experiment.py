"""`promptgit experiment report NAME@LABEL --prometheus URL`: is a label's split making a difference?"""

from __future__ import annotations

import argparse
import sys

from promptgit.errors import ConfigError, PromptNotFoundError
from promptgit.sources import LABELS_FILE
from promptgit.store.traffic_split import Split

HELP = "Compare the versions of a label's traffic split from the metrics in Prometheus."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    report = actions.add_parser(
        "report", help="traffic, outcome rates and tests per variant of NAME@LABEL (docs/experiments.md)"
    )
    report.add_argument("selector", metavar="NAME@LABEL", help="e.g. content/hook@production")
    report.add_argument("--prometheus", required=True, metavar="URL", help="e.g. http://localhost:9090")
    report.add_argument("--window", default="1h", help="how far back to count, a Prometheus duration (1h)")
    report.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    report.add_argument(
        "--control", metavar="VERSION", help="compare with this version (default: the lowest)"
    )
    report.add_argument("--match", default="", metavar="MATCHERS", help='extra label matchers: job="api"')
    report.add_argument("--ref", help="read labels.yaml at this commit instead of the working tree")
    report.add_argument(
        "--timeout",
        type=_seconds,
        default=30.0,
        metavar="SECONDS",
        help="give up when Prometheus has not answered every query within this (default 30)",
    )


def run(args: argparse.Namespace) -> int:
    from promptgit.experiments import FORMATS, report_from_prometheus
    from promptgit.experiments.prometheus import check_window
    from promptgit.store.selectors import parse_selector

    selector = parse_selector(args.selector)
    if selector.kind != "label" or selector.spec is None:
        raise ConfigError(
            f"experiment report: {args.selector!r} must be NAME@LABEL, e.g. content/hook@production"
        )
    check_window(args.window)
    split = _split_of(selector.name, selector.spec, args.ref)
    report = report_from_prometheus(
        selector.name,
        selector.spec,
        split,
        args.prometheus,
        args.window,
        matchers=args.match,
        control=args.control,
        timeout=args.timeout,
    )
    sys.stdout.write(FORMATS[args.format](report))
    return 0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r}: a number of seconds above 0, at most 3600")
    return value


def _split_of(name: str, label: str, ref: str | None) -> Split:
    from promptgit.commands.release import open_repository

    workspace, store = open_repository()
    try:
        if ref:
            labels = store.labels(workspace.at_commit(store, store.resolve_commit(ref), ref))
            shown = f"{LABELS_FILE} at {ref}"
        else:
            shown = workspace.source.labels_path
            labels = store.labels(workspace.source)
    finally:
        store.close()
    entry = labels.get(label, {}).get(name)
    if entry is None:
        raise PromptNotFoundError(f"{shown}: label {label} has no entry for {name}")
    if not isinstance(entry, Split):
        raise ConfigError(
            f"{shown}: label {label} points {name} at one version ({entry}), not a split: nothing to compare "
            f"(promptgit label split {label} {name} {entry}=90 NEW=10)"
        )
    return entry
