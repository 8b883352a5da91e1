"""`promptgit` command line: a thin argparse layer; each subcommand is a module in promptgit.commands."""

from __future__ import annotations

import argparse
import importlib
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
    "bump": "bump",
    "release": "release",
    "versions": "versions",
    "show": "show",
    "diff": "diff",
    "label": "label",
    "experiment": "experiment",
    "log": "log",
    "hooks": "hooks",
    "schema": "schema",
    "serve-metrics": "serve_metrics",
    "cache": "cache",
    "import": "import_prompts",
    "ui": "ui",
    "test": "test",
    "bundle": "bundle",
    "serve": "serve",
}

EXIT_USAGE = 2
EXIT_CRASH = 3
EXIT_INTERRUPTED = 130


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every subcommand; with `command`, of that one only (it imports only its module)."""
    from promptgit import __version__

    parser = argparse.ArgumentParser(prog="promptgit", description="Git as the prompt manager.")
    parser.add_argument("--version", action="version", version=f"promptgit {__version__}")
    parser.add_argument("-C", dest="directory", metavar="DIR", help="run as if started in DIR")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module_name in COMMANDS.items():
        if command is not None and name != command:
            continue
        module = importlib.import_module(f"promptgit.commands.{module_name}")
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def chosen_command(argv: Sequence[str]) -> str | None:
    """The subcommand `argv` runs, found without importing any command; None when unsure (then the
    full parser decides, and prints the help or the usage error)."""
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg == "-C":
            index += 2
        elif arg.startswith("-C") and not arg.startswith("--"):
            index += 1
        else:
            return arg if arg in COMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    # start-up is part of every pre-commit run: import the one command that runs, not all of them
    args = build_parser(chosen_command(arguments)).parse_args(arguments)
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
    except Exception as exc:
        crashed(exc)
        return EXIT_CRASH


def crashed(exc: BaseException) -> None:
    """Say on stderr what happened, the versions and where to report it, then the traceback: pre-commit's
    error_handler. Printed here, not logged: the package's logger has only a NullHandler (a library leaves
    logging to the application), so a logged crash reached nobody and the user saw exit 3 and nothing."""
    import platform
    import traceback

    from promptgit import __version__

    message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    print(
        f"promptgit: an unexpected error occurred: {message}\n"
        f"promptgit {__version__}, Python {platform.python_version()}, {platform.platform()}\n"
        f"This is a bug in promptgit: please report it ({report_to()}) with this whole output.",
        file=sys.stderr,
    )
    traceback.print_exception(exc, file=sys.stderr)


def report_to() -> str:
    """The issue tracker named in the installed package's metadata, else who to tell."""
    try:
        from importlib.metadata import PackageNotFoundError, metadata

        urls = metadata("py-promptgit").get_all("Project-URL") or []
    except (ImportError, PackageNotFoundError):
        urls = []
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() in {"issues", "bug tracker", "tracker"}:
            return url.strip()
    return "to the promptgit maintainers, at the issue tracker of the repository you installed it from"


if __name__ == "__main__":
    raise SystemExit(main())
