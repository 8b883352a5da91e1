"""`promptgit cache stats|prune|clear [--url URL]`: look after a response cache from the shell.

The URL is the one the application gives ResponseCache (default: the embedded SQLite file under the
user cache directory). Hits and misses are counted per process, so they are in the Prometheus
metrics, not here; `stats` shows what the backend holds.
"""

from __future__ import annotations

import argparse
import json

from promptgit.errors import ConfigError

HELP = "Show, prune or clear the LLM response cache (default: the embedded SQLite file)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("stats", "prune", "clear"), help="what to do")
    parser.add_argument("--url", help="memory://, sqlite:///path or redis://host:port/db (default: embedded)")
    parser.add_argument("--prefix", help="the Redis key prefix the application uses")
    parser.add_argument("--json", action="store_true", help="stats as JSON")


def run(args: argparse.Namespace) -> int:
    from prometheus_client import CollectorRegistry

    from promptgit.llm.cache import ResponseCache

    if args.url is not None and args.url.startswith("memory:"):
        raise ConfigError("memory:// lives inside one process: there is nothing to show from the shell")
    options = {} if args.prefix is None else {"prefix": args.prefix}
    cache = ResponseCache(args.url, registry=CollectorRegistry(), **options)
    try:
        if args.action == "stats":
            described = {"url": cache.url, "backend": cache.backend_name, **cache.backend.describe()}
            if args.json:
                print(json.dumps(described, indent=2))
            else:
                width = max(len(name) for name in described)
                for name, value in described.items():
                    print(f"{name:<{width}}  {value}")
        elif args.action == "prune":
            print(f"{cache.url}: pruned {cache.prune()} entries")
        else:
            print(f"{cache.url}: cleared {cache.clear()} entries")
    except ConfigError:
        raise
    except Exception as exc:  # the backend's own error, in one line: unreachable, locked, corrupt
        text = str(exc).strip().splitlines()
        raise ConfigError(f"{cache.url}: {type(exc).__name__}: {text[0] if text else 'failed'}") from None
    finally:
        cache.close()
    return 0
