"""`promptgit` command line: a thin argparse layer; each subcommand is a module in promptgit.commands."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from promptgit.errors import PromptgitError

# subcommand -> module in promptgit.commands; each module has HELP, add_arguments(parser), run(args) -> int
COMMANDS: dict[str, str] = {
    "init": "init",
    "new": "new",
    "list": "list_prompts",
    "render": "render",
    "validate": "validate",
    "tokens": "tokens",
    "release": "release",
    "versions": "versions",
    "show": "show",
    "diff": "diff",
    "label": "label",
    "log": "log",
    "hooks": "hooks",
    "serve-metrics": "serve_metrics",
}

EXIT_USAGE = 2
EXIT_CRASH = 3
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    from promptgit import __version__

    parser = argparse.ArgumentParser(prog="promptgit", description="Git as the prompt manager.")
    parser.add_argument("--version", action="version", version=f"promptgit {__version__}")
    parser.add_argument("-C", dest="directory", metavar="DIR", help="run as if started in DIR")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command, module_name in COMMANDS.items():
        module = importlib.import_module(f"promptgit.commands.{module_name}")
        sub = subparsers.add_parser(command, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.directory:
        import os

        try:
            os.chdir(args.directory)
        except OSError as exc:
            print(f"promptgit: error: -C {args.directory}: {exc.strerror}", file=sys.stderr)
            return EXIT_USAGE
    try:
        return int(args.run(args))
    except PromptgitError as exc:
        print(f"promptgit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except Exception:
        logging.getLogger("promptgit").exception("unexpected error; please report it with the traceback")
        return EXIT_CRASH


if __name__ == "__main__":
    raise SystemExit(main())
