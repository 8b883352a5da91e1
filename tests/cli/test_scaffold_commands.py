"""`promptgit init`, `new`, `list` and `render`: exact output, refusals, exit codes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from .helpers import CRITIC, HOOK, promptgit, write


def test_init_creates_a_repository_that_validates_and_renders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = promptgit(capsys, tmp_path, "init", "demo")

    assert (result.code, result.out) == (
        0,
        "created demo/promptgit.yaml\n"
        "created demo/prompts/examples/summarize.j2\n"
        "created demo/prompts/labels.yaml\n"
        "created demo/.promptgit/schemas/prompt.schema.json\n"
        "created demo/.promptgit/schemas/config.schema.json\n"
        "created demo/.promptgit/schemas/labels.schema.json\n"
        "initialised a git repository in demo\n"
        "next: cd demo && promptgit validate && promptgit render examples/summarize@worktree --sample\n",
    )
    root = tmp_path / "demo"
    assert (root / ".git").is_dir()
    assert (root / "promptgit.yaml").read_text().startswith("# yaml-language-server: $schema=")
    assert promptgit(capsys, root, "validate").out == "2 files checked: no problems\n"
    rendered = promptgit(
        capsys, root, "render", "examples/summarize@worktree", "--sample", "--format", "json"
    )
    assert [message["role"] for message in json.loads(rendered.out)["messages"]] == ["system", "user"]


def test_init_refuses_to_overwrite_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "prompts/labels.yaml", "production: {}\n")

    result = promptgit(capsys, tmp_path, "init", "--no-git")

    assert (result.code, result.out) == (2, "")
    assert result.err == "promptgit: error: prompts/labels.yaml already exists; refusing to overwrite it\n"
    assert sorted(path.name for path in tmp_path.rglob("*")) == ["labels.yaml", "prompts"]


def test_new_creates_a_prompt_that_validates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "promptgit.yaml", "kinds: [hook, critic]\n")

    text = promptgit(
        capsys, tmp_path, "new", "content/hook", "--kind", "hook", "--description", 'Say "hi": now'
    )
    chat = promptgit(capsys, tmp_path, "new", "review/critic.j2", "--kind", "critic", "--chat")

    assert text.out == "created prompts/content/hook.j2 (content/hook 0.1.0, kind hook)\n"
    assert chat.out == "created prompts/review/critic.j2 (review/critic 0.1.0, kind critic)\n"
    assert promptgit(capsys, tmp_path, "validate").out == "2 files checked: no problems\n"
    listed = json.loads(promptgit(capsys, tmp_path, "list", "--format", "json").out)
    assert listed[0]["description"] == 'Say "hi": now'


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (
            ["content/hook", "--kind", "hook"],
            "prompts/content/hook.j2 already exists; refusing to overwrite it",
        ),
        (["x", "--kind", "poem"], "kind 'poem' is not allowed by promptgit.yaml (allowed: hook)"),
        (
            ["x", "--kind", "Hook"],
            "invalid kind 'Hook': lowercase letters, digits, _ and -, starting with a letter",
        ),
        (
            ["../x", "--kind", "hook"],
            "invalid prompt name '../x': use path segments of letters, digits, _ . - (not partials/)",
        ),
        (
            ["partials/x", "--kind", "hook"],
            "invalid prompt name 'partials/x': use path segments of letters, digits, _ . - (not partials/)",
        ),
    ],
)
def test_new_refuses(argv: list[str], error: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "promptgit.yaml", "kinds: [hook]\n")
    write(tmp_path, "prompts/content/hook.j2", HOOK)

    result = promptgit(capsys, tmp_path, "new", *argv)

    assert (result.code, result.err) == (2, f"promptgit: error: {error}\n")
    assert (tmp_path / "prompts/content/hook.j2").read_text() == HOOK.lstrip("\n")


def test_list_text_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "prompts/content/hook.j2", HOOK)
    write(tmp_path, "prompts/review/critic.j2", CRITIC)
    write(tmp_path, "prompts/partials/rules.j2", "Be brief.\n")

    result = promptgit(capsys, tmp_path, "list")

    assert (result.code, result.out) == (
        0,
        "NAME           VERSION  KIND    DESCRIPTION\n"
        "content/hook   1.0.0    hook    Opening line\n"
        "review/critic  0.2.0    critic  Score a draft\n",
    )
    assert json.loads(promptgit(capsys, tmp_path, "list", "--format", "json").out)[1] == {
        "name": "review/critic",
        "version": "0.2.0",
        "kind": "critic",
        "description": "Score a draft",
        "path": "prompts/review/critic.j2",
    }


def test_list_reports_unparsable_files_and_lists_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "prompts/content/hook.j2", HOOK)
    (tmp_path / "prompts/bad.j2").write_bytes(b"\xff\xfe")

    result = promptgit(capsys, tmp_path, "list")

    assert result.code == 1
    assert result.out.splitlines()[1].startswith("content/hook")
    assert (
        result.err == "promptgit: cannot list prompts/bad.j2:1:1: PG103 invalid UTF-8 (invalid start byte)\n"
    )


@pytest.fixture
def render_repo(tmp_path: Path) -> Path:
    write(tmp_path, "prompts/partials/rules.j2", "Rules: at most {{ seconds }} seconds.\n")
    write(
        tmp_path,
        "prompts/content/hook.j2",
        """
        ---
        version: 1.0.0
        kind: hook
        inputs:
          topic: {type: string}
          seconds: {type: integer, default: 3}
          loud: {type: boolean, default: false}
        sample: {topic: sourdough}
        ---
        Hook about {{ topic }}{{ '!' if loud else '' }}
        {% include "partials/rules.j2" %}
        """,
    )
    write(tmp_path, "prompts/review/critic.j2", CRITIC.replace("{{ platform }}", "{{ tone }}"))
    return tmp_path


def test_render_text_with_typed_vars(render_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = promptgit(
        capsys,
        render_repo,
        "render",
        "content/hook@worktree",
        "--var",
        "topic=42",
        "--var",
        "seconds=5",
        "--var",
        "loud=true",
    )

    assert (result.code, result.out) == (0, "Hook about 42!\nRules: at most 5 seconds.\n")


def test_render_sample_chat_as_text_and_json(render_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = promptgit(capsys, render_repo, "render", "review/critic@worktree", "--sample")
    as_json = promptgit(
        capsys, render_repo, "render", "review/critic@worktree", "--sample", "--format", "json"
    )

    assert text.out == "[system]\nYou score drafts for calm.\n\n[user]\na draft\n"
    assert json.loads(as_json.out) == {
        "name": "review/critic",
        "version": "0.2.0",
        "commit": None,
        "model": None,
        "params": {},
        "messages": [
            {"role": "system", "content": "You score drafts for calm."},
            {"role": "user", "content": "a draft"},
        ],
    }


def test_render_vars_json(render_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (render_repo / "inputs.json").write_text('{"topic": "tea", "seconds": 2}')

    result = promptgit(
        capsys,
        render_repo,
        "render",
        "content/hook@worktree",
        "--vars-json",
        "inputs.json",
        "--var",
        "seconds=9",
    )

    assert result.out == "Hook about tea\nRules: at most 9 seconds.\n"


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (
            ["content/hook@worktree"],
            "content/hook@1.0.0: invalid inputs: topic: is required but was not given",
        ),
        (
            ["content/hook@worktree", "--var", "topic=x", "--var", "seconds=soon"],
            "content/hook@1.0.0: invalid inputs: seconds: 'soon' is not of type 'integer'",
        ),
        (
            ["content/nope@worktree"],
            "no prompt 'content/nope': prompts/content/nope.j2 does not exist "
            "(did you mean content/hook? prompts: content/hook, review/critic)",
        ),
        (["content/hook@worktree", "--var", "topic"], "--var 'topic': expected K=V"),
        (["content/hook@1.0.0"], "{root}: not a git repository"),  # releases are git tags
        (
            ["content/hook@worktree", "--vars-json", "missing.json"],
            "--vars-json missing.json: No such file or directory",
        ),
    ],
)
def test_render_errors_are_one_line(
    argv: list[str], error: str, render_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = promptgit(capsys, render_repo, "render", *argv)

    expected = error.format(root=render_repo) if "{root}" in error else error
    assert (result.code, result.out, result.err) == (2, "", f"promptgit: error: {expected}\n")


def test_render_of_a_hostile_template_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "prompts/evil.j2", "---\nversion: 1.0.0\nkind: hook\n---\n{{ ''.__class__.__mro__ }}\n")

    result = promptgit(capsys, tmp_path, "render", "evil@worktree")

    assert result.code == 2
    assert result.err.startswith(
        "promptgit: error: prompts/evil.j2:5: evil@1.0.0: unsafe template operation: "
    )
    assert result.out == ""


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("line\n{{ 1 / 0 }}\n", "prompts/bad.j2:6: render failed: ZeroDivisionError: division by zero"),
        ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}\n", "prompts/bad.j2:5: render: recursion too deep"),
        (
            "start\n{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n",
            "prompts/bad.j2:6: render did not finish within 0.3 s (a loop too large?)",
        ),
        (
            '{% set ns = namespace(text="x") %}\n'
            "{% for i in range(64) %}{% set ns.text = ns.text ~ ns.text %}{% endfor %}{{ ns.text|length }}\n",
            "prompts/bad.j2:6: render needed more than 1 GiB of memory (a string grown in a loop?)",
        ),
    ],
)
def test_a_template_that_fails_or_runs_away_is_one_line_naming_file_and_line(
    body: str, error: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if "memory" in error and not sys.platform.startswith("linux"):
        pytest.skip("the memory cap is Linux only: elsewhere this template would take the machine's memory")
    from promptgit.format import bounded

    if "did not finish" in error:
        monkeypatch.setattr(bounded, "RENDER_SECONDS", 0.3)
    write(tmp_path, "prompts/bad.j2", "---\nversion: 1.0.0\nkind: hook\n---\n" + body)

    rendered = promptgit(capsys, tmp_path, "render", "bad@worktree")
    assert (rendered.code, rendered.out, rendered.err) == (2, "", f"promptgit: error: {error}\n")
    tokens = promptgit(capsys, tmp_path, "tokens")
    assert (tokens.code, tokens.err) == (1, f"promptgit: {error}\n")
