"""`promptgit serve [REPO | --bundle FILE]`: a read-only prompt server until interrupted (docs/serve.md)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from promptgit.commands.serving import port_number, wait_until_stopped
from promptgit.errors import ConfigError, PromptgitError

HELP = "Serve prompts over HTTP: a native JSON API, Langfuse's prompt API, health and metrics (read-only)."
DEFAULT_PORT = 8080


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("repo", nargs="?", default=None, metavar="REPO", help="the repository (default: .)")
    parser.add_argument("--bundle", metavar="FILE", help="serve a bundle file instead (no git needed)")
    parser.add_argument("--public-key", metavar="PEM", help="with --bundle: require a signature by this key")
    parser.add_argument("--ref", default="HEAD", help="where labels are read in REPO (default HEAD)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=port_number, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free)"
    )
    parser.add_argument(
        "--cache-ttl",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="seconds a label is served before it is read again (a moved label, a new bundle; default 60)",
    )
    parser.add_argument(
        "--api-key-env",
        default="PROMPTGIT_SERVE_API_KEYS",
        metavar="VAR",
        help="environment variable holding the API keys, comma-separated (required off loopback)",
    )
    parser.add_argument("--quiet", action="store_true", help="no access log on stderr")


def run(args: argparse.Namespace) -> int:
    from prometheus_client import CollectorRegistry

    from promptgit.loader import Repository
    from promptgit.server.access_log import print_access_lines
    from promptgit.server.api_keys import ApiKeys
    from promptgit.server.app import ServeApp
    from promptgit.server.http_server import start

    if args.bundle and args.repo:
        raise ConfigError("serve: give a REPO or --bundle FILE, not both")
    if args.public_key and not args.bundle:
        raise ConfigError("serve: --public-key checks a bundle's signature; it needs --bundle")
    keys = ApiKeys(os.environ.get(args.api_key_env, "").split(","), args.host)
    registry = CollectorRegistry()
    options = {"cache_ttl": args.cache_ttl, "registry": registry}
    if args.bundle:
        repository = Repository.from_bundle(args.bundle, public_key=args.public_key, **options)
        what = args.bundle
    else:
        root = Path(args.repo or ".")
        repository = Repository(root, args.ref, **options)
        what = str(root)
    try:
        try:
            repository.prefetch()
        except PromptgitError as exc:  # one broken prompt must not keep the others from being served
            print(f"promptgit: warning: not every prompt could be loaded ahead: {exc}", file=sys.stderr)
        if not args.quiet:
            print_access_lines(sys.stderr)
        app = ServeApp(repository, keys, registry=registry)
        try:
            server = start(app, args.host, args.port)
        except OSError as exc:
            raise ConfigError(f"serve: cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
        commit = (repository.served_commit() or "?")[:12]
        auth = "API keys required" if keys.required else "no API key (loopback)"
        print(f"promptgit: serving {what} at {commit} on {server.url} ({auth}; Ctrl-C stops)", flush=True)
        try:
            wait_until_stopped()
        finally:
            server.stop()
    finally:
        repository.close()
    return 0
