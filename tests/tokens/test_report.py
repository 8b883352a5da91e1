"""`promptgit tokens`: the three formats exactly, --base against a real repository, usage errors.

Counts use --exact with cl100k_base models (gpt-4, gpt-3.5-turbo), so the figures are tiktoken's and do not
move when the heuristic is recalibrated; test_counting.py proves they equal tiktoken's own counts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HOOK = """\
---
version: {version}
kind: hook
model: gpt-4
token_budget: 40
inputs:
  topic: {{type: string}}
sample: {{topic: sourdough}}
---
{{% message "system" %}}{system}{{% endmessage %}}
{{% message "user" %}}Topic: {{{{ topic }}}}{{% endmessage %}}
"""
TITLE = """\
---
version: 2.0.0
kind: title
model: gpt-3.5-turbo
inputs:
  topic: {type: string}
sample: {topic: sourdough}
---
Write a title about {{ topic }}.
{% include "partials/rules.j2" %}
"""
CAPTION = """\
---
version: 0.1.0
kind: caption
model: gpt-4
token_budget: 20
---
Write a caption.
"""


def promptgit(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "promptgit", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


@pytest.fixture
def repo(prompt_repo: Any) -> Any:
    """Two prompts (a chat prompt with a budget, a text prompt with a partial), committed."""
    prompt_repo.write(
        "prompts/content/hook.j2", HOOK.format(version="1.0.0", system="You write hooks for short videos.")
    )
    prompt_repo.write("prompts/content/title.j2", TITLE)
    prompt_repo.write("prompts/partials/rules.j2", "Keep it short.\n")
    prompt_repo.commit("base")
    return prompt_repo


def test_text_format(repo: Any) -> None:
    result = promptgit(repo.root, "tokens", "--exact")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        "PROMPT         VERSION  MODEL          METHOD                TOKENS  BUDGET  USED\n"
        "content/hook   1.0.0    gpt-4          tiktoken:cl100k_base      23      40   57%\n"
        "content/title  2.0.0    gpt-3.5-turbo  tiktoken:cl100k_base      12       -     -\n"
    )


def test_json_format(repo: Any) -> None:
    result = promptgit(repo.root, "tokens", "--exact", "--format", "json")
    assert result.returncode == 0
    assert json.loads(result.stdout) == {
        "base": None,
        "prompts": [
            {
                "name": "content/hook",
                "path": "prompts/content/hook.j2",
                "version": "1.0.0",
                "model": "gpt-4",
                "method": "tiktoken:cl100k_base",
                "tokens": 23,
                "budget": 40,
                "used": 0.575,
            },
            {
                "name": "content/title",
                "path": "prompts/content/title.j2",
                "version": "2.0.0",
                "model": "gpt-3.5-turbo",
                "method": "tiktoken:cl100k_base",
                "tokens": 12,
                "budget": None,
                "used": None,
            },
        ],
        "problems": [],
    }


def test_markdown_format(repo: Any) -> None:
    result = promptgit(repo.root, "tokens", "--exact", "--format", "markdown")
    assert result.returncode == 0
    assert result.stdout == (
        "### Prompt tokens\n"
        "\n"
        "| Prompt | Version | Model | Method | Tokens | Budget | Used |\n"
        "|---|---|---|---|---:|---:|---:|\n"
        "| `content/hook` | 1.0.0 | gpt-4 | tiktoken:cl100k_base | 23 | 40 | 57% |\n"
        "| `content/title` | 2.0.0 | gpt-3.5-turbo | tiktoken:cl100k_base | 12 | - | - |\n"
    )


def test_heuristic_is_the_default_method(repo: Any) -> None:
    result = promptgit(repo.root, "tokens", "--format", "json")
    methods = {entry["method"] for entry in json.loads(result.stdout)["prompts"]}
    assert methods == {"heuristic"}


@pytest.fixture
def changed(repo: Any) -> Any:
    """Against the base commit: hook grew and was bumped, the partial of title changed, caption is new.

    Exact cl100k_base figures: hook 23 -> 29 (3 + two messages of 3 + role + content), title 12 -> 21,
    caption 4.
    """
    repo.write(
        "prompts/content/hook.j2",
        HOOK.format(version="1.1.0", system="You write playful, punchy hooks for short videos about food."),
    )
    repo.write("prompts/partials/rules.j2", "Keep it short and catchy, under ten words, no emojis.\n")
    repo.write("prompts/content/caption.j2", CAPTION)
    return repo


def test_base_text_sorted_by_change(changed: Any) -> None:
    result = promptgit(changed.root, "tokens", "--exact", "--base", "HEAD")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        "PROMPT           VERSION         MODEL          METHOD                BASE  TOKENS    CHANGE  BUDGET  USED\n"  # noqa: E501 (an exact table row)
        "content/title    2.0.0           gpt-3.5-turbo  tiktoken:cl100k_base    12      21        +9       -     -\n"  # noqa: E501 (an exact table row)
        "content/hook     1.0.0 -> 1.1.0  gpt-4          tiktoken:cl100k_base    23      29        +6      40   72%\n"  # noqa: E501 (an exact table row)
        "content/caption  0.1.0           gpt-4          tiktoken:cl100k_base     -       4  new (+4)      20   20%\n"  # noqa: E501 (an exact table row)
    )


def test_base_markdown_is_a_pr_comment(changed: Any) -> None:
    result = promptgit(changed.root, "tokens", "--exact", "--base", "HEAD", "--format", "markdown")
    assert result.stdout == (
        "### Prompt tokens (against `HEAD`)\n"
        "\n"
        "| Prompt | Version | Model | Method | Base | Tokens | Change | Budget | Used |\n"
        "|---|---|---|---|---:|---:|---:|---:|---:|\n"
        "| `content/title` | 2.0.0 | gpt-3.5-turbo | tiktoken:cl100k_base | 12 | 21 | +9 | - | - |\n"
        "| `content/hook` | 1.0.0 -> 1.1.0 | gpt-4 | tiktoken:cl100k_base | 23 | 29 | +6 | 40 | 72% |\n"
        "| `content/caption` | 0.1.0 | gpt-4 | tiktoken:cl100k_base | - | 4 | new (+4) | 20 | 20% |\n"
    )


def test_base_json(changed: Any) -> None:
    result = promptgit(changed.root, "tokens", "--exact", "--base", "HEAD", "--format", "json")
    report = json.loads(result.stdout)
    assert report["base"] == "HEAD"
    summary = [
        (p["name"], p["status"], p["change"], p["base"] and p["base"]["tokens"]) for p in report["prompts"]
    ]
    assert summary == [
        ("content/title", "changed", 9, 12),
        ("content/hook", "changed", 6, 23),
        ("content/caption", "new", 4, None),
    ]
    assert report["prompts"][1]["base"]["version"] == "1.0.0"


def test_base_shows_removed_prompts(repo: Any) -> None:
    (repo.root / "prompts/content/title.j2").unlink()
    result = promptgit(repo.root, "tokens", "--exact", "--base", "HEAD", "--format", "json")
    removed = [p for p in json.loads(result.stdout)["prompts"] if p["name"] == "content/title"]
    assert [(p["status"], p["change"], p["tokens"]) for p in removed] == [("removed", -12, None)]


def test_base_against_an_earlier_commit(changed: Any) -> None:
    changed.commit("grow the hook")
    result = promptgit(changed.root, "tokens", "--exact", "--base", "HEAD~1", "prompts/content/hook.j2")
    assert result.returncode == 0
    assert result.stdout.splitlines()[1].split() == [
        "content/hook", "1.0.0", "->", "1.1.0", "gpt-4", "tiktoken:cl100k_base", "23", "29", "+6", "40", "72%"
    ]  # fmt: skip


def test_paths_select_prompts(repo: Any) -> None:
    result = promptgit(repo.root, "tokens", "--exact", "prompts/content/title.j2")
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["PROMPT", "content/title"]
    result = promptgit(repo.root, "tokens", "--exact", "prompts/content")
    assert [line.split()[0] for line in result.stdout.splitlines()] == [
        "PROMPT",
        "content/hook",
        "content/title",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["prompts/partials/rules.j2"], "promptgit: error: prompts/partials/rules.j2: not a prompt"),
        (["prompts/missing.j2"], "promptgit: error: prompts/missing.j2: no such file or directory\n"),
    ],
)
def test_usage_errors_exit_2_with_one_line(repo: Any, args: list[str], message: str) -> None:
    result = promptgit(repo.root, "tokens", *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1


def test_unknown_base_ref_is_a_usage_error(repo: Any) -> None:
    result = promptgit(repo.root, "tokens", "--base", "no-such-ref")
    assert (result.returncode, result.stdout) == (2, "")
    assert (
        result.stderr
        == f"promptgit: error: --base no-such-ref: {repo.root.resolve()}: unknown revision 'no-such-ref'\n"
    )


def test_base_outside_a_git_repository_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "promptgit.yaml").write_text("prompts_dir: prompts\n")
    result = promptgit(tmp_path, "tokens", "--base", "HEAD")
    assert result.returncode == 2
    assert result.stderr == f"promptgit: error: --base HEAD: {tmp_path}: not a git repository\n"


def test_a_broken_prompt_is_one_line_naming_the_file_and_the_rest_is_reported(repo: Any) -> None:
    repo.write("prompts/content/broken.j2", "---\nversion: 1.0.0\nkind: hook\n---\nHello {% if %}\n")
    result = promptgit(repo.root, "tokens", "--exact")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("promptgit: prompts/content/broken.j2:5:1: PG102 Jinja syntax: ")
    assert result.stderr.count("\n") == 1
    assert [line.split()[0] for line in result.stdout.splitlines()] == [
        "PROMPT",
        "content/hook",
        "content/title",
    ]


def test_binary_prompt_is_one_line(repo: Any) -> None:
    (repo.root / "prompts/content/blob.j2").write_bytes(b"\x00\x01binary")
    result = promptgit(repo.root, "tokens")
    assert result.returncode == 1
    assert result.stderr == (
        "promptgit: prompts/content/blob.j2:1:1: PG103 binary file (NUL byte); a prompt must be UTF-8 text\n"
    )


def test_no_prompts(tmp_path: Path) -> None:
    (tmp_path / "promptgit.yaml").write_text("prompts_dir: prompts\n")
    for form, expected in (("text", "no prompts\n"), ("markdown", "### Prompt tokens\n\nNo prompts.\n")):
        result = promptgit(tmp_path, "tokens", "--format", form)
        assert (result.returncode, result.stdout) == (0, expected)
