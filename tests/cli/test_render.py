"""`promptgit render SELECTOR`: any release read from git objects as the loader does, or NAME@worktree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .helpers import promptgit, promptgit_process


@pytest.mark.parametrize(
    ("selector", "version", "style"),
    [
        # issue 19.14: a bare name is the highest release, as for show, get() and the README
        ("content/hook", "2.0.0", "Style three."),
        ("content/hook@worktree", "2.0.0", "Style four."),  # the working tree, partials from it too
        ("content/hook@1.0.0", "1.0.0", "Style one."),  # partials from the tagged commit
        ("content/hook@~1.0", "1.0.0", "Style one."),
        ("content/hook@^1", "1.1.0", "Style two."),
        ("content/hook@production", "1.1.0", "Style two."),
        ("content/hook@staging", "2.0.0", "Style three."),
    ],
)
def test_render_every_kind_of_selector(
    history: Any, capsys: pytest.CaptureFixture[str], selector: str, version: str, style: str
) -> None:
    result = promptgit(capsys, history.root, "render", selector, "--var", "topic=bread", "--format", "json")

    assert (result.code, result.err) == (0, "")
    document = json.loads(result.out)
    commit = None
    if "worktree" not in selector:
        commit = history.git.tags[f"prompts/content/hook/v{version}"].commit.hexsha
    labelled = {"label": selector.split("@")[1]} if selector.endswith(("production", "staging")) else {}
    assert document == {
        "name": "content/hook",
        "version": version,
        "commit": commit,
        "model": None,
        "params": {},
        "messages": [
            {"role": "system", "content": style},
            {"role": "user", "content": "Topic: bread"},
        ],
        **labelled,
    }


def test_render_json_has_model_and_params(prompt_repo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    prompt_repo.write_prompt(
        "note", "1.0.0", "Note on {{ topic }}\n", model="gpt-4o-mini", params="{top_p: 0.5}"
    )
    prompt_repo.commit("note")
    prompt_repo.tag_release("note", "1.0.0")

    result = promptgit(capsys, prompt_repo.root, "render", "note@1.0.0", "--sample", "--format", "json")

    assert result.code == 0, result.err
    assert json.loads(result.out) == {
        "name": "note",
        "version": "1.0.0",
        "commit": prompt_repo.git.head.commit.hexsha,
        "model": "gpt-4o-mini",
        "params": {"top_p": 0.5},
        "text": "Note on sourdough",
    }


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        (
            "content/hok",
            "content/hok: no prompt content/hok (did you mean content/hook? prompts at HEAD: content/hook, "
            "greeting)",
        ),
        (
            "content/hok@worktree",
            "no prompt 'content/hok': prompts/content/hok.j2 does not exist "
            "(did you mean content/hook? prompts: content/hook, greeting)",
        ),
        (
            "content/hook@1.2.0",
            "content/hook@1.2.0: no release matches (did you mean 1.1.0? released versions: 1.1.0, 1.0.0, "
            "2.0.0)",
        ),
        (
            "content/hook@prod",
            "content/hook@prod: no label 'prod' in labels.yaml at HEAD (labels: production, staging)",
        ),
        (
            "partials/style",
            "partials/style is a partial: it is included by prompts, never rendered on its own; "
            "render a prompt that includes it",
        ),
        (
            "partials/style@1.0.0",
            "partials/style is a partial: it is included by prompts, never rendered on its own; "
            "render a prompt that includes it",
        ),
    ],
)
def test_render_not_found_lists_what_exists(
    history: Any, capsys: pytest.CaptureFixture[str], selector: str, message: str
) -> None:
    result = promptgit(capsys, history.root, "render", selector, "--sample")

    assert (result.code, result.out) == (2, "")
    assert result.err == f"promptgit: error: {message}\n"


def test_render_refuses_an_undeclared_input_with_a_suggestion(history: Any, tmp_path: Path) -> None:
    result = promptgit_process(history.root, "render", "content/hook@production", "--var", "topik=bread")

    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "promptgit: error: content/hook@1.1.0: invalid inputs: topik: is not a declared input "
        "(did you mean topic? inputs: topic); topic: is required but was not given\n"
    )


def test_show_of_a_missing_worktree_prompt_lists_the_prompts(
    history: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    result = promptgit(capsys, history.root, "show", "greting@worktree")

    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "promptgit: error: greting@worktree: prompts/greting.j2 does not exist "
        "(did you mean greeting? prompts: greeting, content/hook)\n"
    )
