"""One module per `promptgit` subcommand: HELP, add_arguments(parser), run(args) -> exit code.

The top of the layering: may import anything; nothing but cli.py imports it.
"""
