"""Usage errors that once ended in a traceback or a false pass: one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import promptgit_process, write


@pytest.mark.parametrize(
    ("port", "message"),
    [("99999", "99999 is not a port number (0 to 65535)"), ("x", "'x' is not a port number")],
)
def test_serve_metrics_with_an_impossible_port(tmp_path: Path, port: str, message: str) -> None:
    result = promptgit_process(tmp_path, "serve-metrics", "--port", port)

    assert (result.code, result.out) == (2, "")
    assert result.err.splitlines()[-1] == f"promptgit serve-metrics: error: argument --port: {message}"


def test_validate_without_a_prompts_directory_is_an_error(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()

    result = promptgit_process(tmp_path, "validate")

    assert (result.code, result.out) == (2, "")
    assert result.err == (
        f"promptgit: error: no prompts directory prompts/ in {tmp_path} "
        "(create it, run `promptgit init`, or set prompts_dir in promptgit.yaml)\n"
    )


def test_validate_follows_a_configured_prompts_dir_that_is_missing(tmp_path: Path) -> None:
    write(tmp_path, "promptgit.yaml", "prompts_dir: llm/prompts\n")
    write(tmp_path, "prompts/a.j2", "---\nversion: 1.0.0\nkind: x\n---\nHello\n")

    result = promptgit_process(tmp_path, "validate")

    assert (result.code, result.out) == (2, "")
    assert "no prompts directory llm/prompts/ in" in result.err
