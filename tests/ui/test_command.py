"""`promptgit ui` refuses what it cannot serve with one line and exit 2."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from promptgit.cli import main
from tests.conftest import PromptRepo


def test_a_directory_that_is_not_a_git_repository_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "prompts").mkdir()

    assert main(["ui", str(tmp_path), "--port", "0"]) == 2
    assert capsys.readouterr().err == (
        f"promptgit: error: {tmp_path}: not a git repository (releases are git tags)\n"
    )


def test_a_port_in_use_is_refused(prompt_repo: PromptRepo, capsys: pytest.CaptureFixture[str]) -> None:
    prompt_repo.write_prompt("a", "0.1.0")
    prompt_repo.commit()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        assert main(["ui", str(prompt_repo.root), "--port", str(port)]) == 2
    assert capsys.readouterr().err.startswith(f"promptgit: error: ui: cannot listen on 127.0.0.1:{port}: ")
