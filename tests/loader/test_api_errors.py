"""The loader's API on wrong use: a selector that is not one, a remote that is not there, no logging set."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from promptgit.errors import GitError, SelectorError
from promptgit.loader import Repository


@pytest.mark.parametrize("selector", [None, 3, b"content/hook"])
def test_get_of_a_non_selector_is_a_selector_error(library, make_repository, selector) -> None:
    repository = make_repository(library.root)
    with pytest.raises(SelectorError) as raised:
        repository.get(selector)
    assert str(raised.value) == (f"a selector is a string like 'content/hook@production', not {selector!r}")


def test_clone_of_a_missing_url_keeps_what_git_said(tmp_path, registry) -> None:
    url = f"file://{tmp_path}/nothing.git"
    with pytest.raises(GitError) as raised:
        Repository.clone(url, cache_dir=tmp_path / "cache", registry=registry)
    assert str(raised.value) == (
        f"cannot clone {url}: fatal: '{tmp_path}/nothing.git' does not appear to be a git repository; "
        "fatal: Could not read from remote repository."
    )


def test_an_application_without_logging_gets_no_loader_output_on_stderr(library) -> None:
    """The loader logs a failed render as a warning; Python's last-resort handler must not print it."""
    script = textwrap.dedent(
        f"""
        import promptgit
        repo = promptgit.Repository({str(library.root)!r})
        try:
            repo.get("content/hook@1.0.0").render(tone="playful")
        except promptgit.InputValidationError as exc:
            print("raised:", exc)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("raised: content/hook@1.0.0: invalid inputs: topic: is required")
    assert result.stderr == ""
