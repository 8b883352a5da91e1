"""An unexpected exception in a command: exit 3, and on stderr what happened, the versions, where to report
and the traceback (pre-commit's error_handler). The package logger's NullHandler once swallowed it all."""

from __future__ import annotations

import argparse
import platform

import pytest

import promptgit
import promptgit.commands.list_prompts
from promptgit.cli import main


def test_a_crash_in_a_command_prints_what_happened_and_the_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], in_dir: object
) -> None:
    def broken(args: argparse.Namespace) -> int:
        raise RuntimeError("the list went wrong")

    monkeypatch.setattr(promptgit.commands.list_prompts, "run", broken)

    assert main(["list"]) == 3

    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == "promptgit: an unexpected error occurred: RuntimeError: the list went wrong"
    assert lines[1].startswith(f"promptgit {promptgit.__version__}, Python {platform.python_version()}, ")
    assert "please report it" in lines[2]
    assert lines[3] == "Traceback (most recent call last):"
    assert 'in broken\n    raise RuntimeError("the list went wrong")' in err
    assert lines[-1] == "RuntimeError: the list went wrong"


def test_an_expected_error_stays_one_line(capsys: pytest.CaptureFixture[str], in_dir: object) -> None:
    assert main(["render", "no/such-prompt"]) == 2

    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
