"""Placeholder: owned by the issue that builds this command; replaced there."""

from __future__ import annotations

import argparse

from promptgit.errors import PromptgitError

HELP = "(not built yet)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    raise PromptgitError("this command is not built yet")
