"""`promptgit serve-metrics`: expose promptgit's Prometheus metrics on /metrics until interrupted."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from promptgit.commands.serving import port_number, wait_until_stopped

HELP = "Serve promptgit's Prometheus metrics on http://ADDR:PORT/metrics (optionally prefetching prompts)."
DEFAULT_PORT = 9464  # the port commonly used by exporters embedded in applications


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port", type=port_number, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free)"
    )
    parser.add_argument("--addr", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--prefetch",
        nargs="*",
        metavar="SELECTOR",
        help="load prompts from the repository first (no SELECTOR: every released prompt and label)",
    )
    parser.add_argument("--ref", default="HEAD", help="ref whose labels.yaml is used (default HEAD)")


def run(args: argparse.Namespace) -> int:
    from promptgit.loader import Repository
    from promptgit.observability.exposition import start_http_server
    from promptgit.observability.registry import metrics_for

    metrics_for()  # the metric families are listed even before the first load
    repository = None
    if args.prefetch is not None:
        repository = Repository(Path.cwd(), args.ref)
        loaded = repository.prefetch(args.prefetch or None)
        print(f"promptgit: prefetched {len(loaded)} prompt(s)", flush=True)
    try:
        server = start_http_server(args.port, addr=args.addr)
    except OSError as exc:
        from promptgit.errors import ConfigError

        raise ConfigError(f"cannot listen on {args.addr}:{args.port}: {exc.strerror}") from None
    print(f"promptgit: serving metrics on {server.url}", flush=True)
    try:
        wait_until_stopped()
    finally:
        server.stop()
        if repository is not None:
            repository.close()
        sys.stdout.flush()
    return 0
