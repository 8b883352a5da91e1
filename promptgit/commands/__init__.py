"""One module per `promptgit` subcommand: HELP, add_arguments(parser), run(args) -> exit code."""
