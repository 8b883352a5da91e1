"""Issue 19.8: a `git mv` of a prompt is a rename, not a removal: labels on the old name keep serving its
releases (tags are never moved), so it is a warning (PG511), and `log` follows the file."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from tests.cli.test_hooks import hooked, out


def test_a_renamed_labelled_prompt_warns_and_commits(history: Any, monkeypatch: Any) -> None:
    run = hooked(history, monkeypatch)
    run("mv", "prompts/content/hook.j2", "prompts/content/opener.j2")
    committed = run("commit", "-m", "rename hook to opener")
    assert committed.returncode == 0, out(committed)
    assert "PG505" not in out(committed)
    assert (
        "prompts/labels.yaml:3:17: PG511 warning: label production points at content/hook, renamed to "
        "content/opener since HEAD: the label keeps serving content/hook's releases (release tags are never "
        "moved); release content/opener, then point labels and callers at it"
    ) in out(committed), out(committed)


def test_log_follows_a_rename(history: Any, monkeypatch: Any) -> None:
    run = hooked(history, monkeypatch)
    run("mv", "prompts/content/hook.j2", "prompts/content/opener.j2")
    assert run("commit", "-qm", "rename hook to opener").returncode == 0
    logged = subprocess.run(
        [sys.executable, "-m", "promptgit", "log", "content/opener"],
        cwd=history.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert logged.returncode == 0, logged.stderr
    rows = logged.stdout.splitlines()
    assert [row.split()[2:4] for row in rows] == [
        ["2.0.0", "rename"],
        ["2.0.0", "[content/hook@2.0.0]"],
        ["1.1.0", "[content/hook@1.1.0]"],
        ["1.0.0", "[content/hook@1.0.0]"],
    ]
