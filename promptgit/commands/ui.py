"""`promptgit ui [PATH] [--port N]`: a local, read-only web UI of the prompt library, until interrupted."""

from __future__ import annotations

import argparse
from pathlib import Path

from promptgit.commands.serving import port_number, wait_until_stopped
from promptgit.errors import ConfigError

HELP = "Browse the prompts, their releases, label history, diffs and renders in a local web UI (read-only)."
DEFAULT_PORT = 8765


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", default=".", metavar="PATH", help="the repository (default: .)")
    parser.add_argument(
        "--port", type=port_number, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free)"
    )
    parser.add_argument(
        "--test-report",
        metavar="FILE",
        help="the JSON report of `promptgit test` to show (default: PATH/.promptgit/test-report.json)",
    )
    parser.add_argument(
        "--prometheus",
        metavar="URL",
        help="show the experiment report of each traffic split, read from this Prometheus",
    )
    parser.add_argument("--window", default="24h", help="with --prometheus: how far back to count (24h)")


def run(args: argparse.Namespace) -> int:
    from promptgit.ui.server import start

    root = Path(args.path)
    if not root.is_dir():
        raise ConfigError(f"ui: {args.path}: not a directory")
    report = Path(args.test_report) if args.test_report else None
    experiments = None
    if args.prometheus:
        from promptgit.experiments.prometheus import check_window
        from promptgit.ui.views import Experiments

        experiments = Experiments(args.prometheus, check_window(args.window))
    try:
        server = start(root, args.port, test_report=report, experiments=experiments)
    except OSError as exc:
        raise ConfigError(f"ui: cannot listen on 127.0.0.1:{args.port}: {exc.strerror}") from None
    print(
        f"promptgit: UI of {server.app.views.reader.root} on {server.url} (read-only; Ctrl-C stops)",
        flush=True,
    )
    try:
        wait_until_stopped()
    finally:
        server.stop()
    return 0
