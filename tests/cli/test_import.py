"""`promptgit import`: exact output, exit codes, --dry-run, --force, --into, --kind, --format json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import promptgit, write

CLEAN = """
---
name: hello
description: Says hello
model: {id: gpt-4o-mini, options: {temperature: 0.3}}
inputs:
  - {name: who, kind: string, example: world}
---
system:
You greet.
user:
Hello {{who}}
"""
LOSSY = """
---
name: lossy
model: {id: gpt-4o, options: {topK: 3}}
---
user:
Hi
"""


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    write(tmp_path, "src/hello.prompty", CLEAN)
    return tmp_path / "src"


def test_a_clean_import_prints_what_converted_and_exits_0(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sources: Path
) -> None:
    result = promptgit(capsys, tmp_path, "import", "prompty", "src")

    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "SOURCE             PROMPT  RESULT\n"
        "src/hello.prompty  hello   converted\n"
        "  file prompts/hello.j2 (new)\n"
        "  + description\n"
        "  + model gpt-4o-mini\n"
        "  + model.options.temperature -> params.temperature\n"
        "  + inputs (1)\n"
        "  + role lines -> message blocks\n"
        "1 prompt: 1 converted, 0 with losses, 0 failed; 1 file written\n"
    )
    assert (tmp_path / "prompts/hello.j2").read_text() == (
        "---\nversion: 1.0.0\nkind: prompty\ndescription: Says hello\nmodel: gpt-4o-mini\n"
        "inputs:\n  who:\n    type: string\nsample:\n  who: world\nparams:\n  temperature: 0.3\n---\n"
        '{% message "system" %}\nYou greet.\n{% endmessage %}\n'
        '{% message "user" %}\nHello {{who}}\n{% endmessage %}\n'
    )
    validated = promptgit(capsys, tmp_path, "validate", "--select", "parse,schema,variables")
    assert validated.code == 0, validated.out


def test_losses_exit_1_and_are_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sources: Path
) -> None:
    write(tmp_path, "src/lossy.prompty", LOSSY)

    result = promptgit(capsys, tmp_path, "import", "prompty", "src", "--format", "json")

    assert result.code == 1
    report = json.loads(result.out)
    lossy = next(item for item in report["prompts"] if item["name"] == "lossy")
    assert lossy["lost"] == [{"what": "model.options.topK", "why": "not an OpenAI chat parameter"}]
    assert lossy["files"] == [{"path": "prompts/lossy.j2", "status": "new"}]
    assert [item["complete"] for item in report["prompts"]] == [True, False]


def test_dry_run_writes_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path, sources: Path) -> None:
    result = promptgit(capsys, tmp_path, "import", "prompty", "src", "--dry-run")

    assert result.code == 0
    assert "  file prompts/hello.j2 (would be new)\n" in result.out
    assert result.out.endswith("1 file would be written (dry run)\n")
    assert not (tmp_path / "prompts").exists()


def test_nothing_is_overwritten_without_force(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sources: Path
) -> None:
    write(tmp_path, "prompts/hello.j2", "mine\n")

    refused = promptgit(capsys, tmp_path, "import", "prompty", "src")

    assert refused.code == 2
    assert refused.err == (
        "promptgit: error: refusing to overwrite prompts/hello.j2: they exist and differ "
        "(--force overwrites); nothing written\n"
    )
    assert (tmp_path / "prompts/hello.j2").read_text() == "mine\n"

    forced = promptgit(capsys, tmp_path, "import", "prompty", "src", "--force")

    assert forced.code == 0
    assert "  file prompts/hello.j2 (overwritten)\n" in forced.out
    again = promptgit(capsys, tmp_path, "import", "prompty", "src")
    assert (again.code, "  file prompts/hello.j2 (unchanged)\n" in again.out) == (0, True)


def test_into_a_folder_of_the_prompts_directory_prefixes_the_names(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sources: Path
) -> None:
    result = promptgit(
        capsys, tmp_path, "import", "prompty", "src", "--into", "prompts/legacy", "--kind", "chat"
    )

    assert result.code == 0
    assert "src/hello.prompty  legacy/hello  converted\n" in result.out
    assert "kind: chat\n" in (tmp_path / "prompts/legacy/hello.j2").read_text()


@pytest.mark.parametrize(
    ("argv", "config", "message"),
    [
        (["import", "prompty", "nowhere"], None, "promptgit: error: no such file or directory: nowhere\n"),
        (["import", "prompty", "empty"], None, "promptgit: error: no .prompty files in empty\n"),
        (
            ["import", "prompty", "src", "--kind", "Bad Kind"],
            None,
            "promptgit: error: invalid kind 'Bad Kind': "
            "lowercase letters, digits, _ and -, starting with a letter\n",
        ),
        (
            ["import", "prompty", "src"],
            "kinds: [hook]\n",
            "promptgit: error: kind 'prompty' is not allowed by promptgit.yaml (allowed: hook); "
            "choose one with --kind\n",
        ),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    sources: Path,
    argv: list[str],
    config: str | None,
    message: str,
) -> None:
    (tmp_path / "empty").mkdir()
    if config:
        write(tmp_path, "promptgit.yaml", config)

    result = promptgit(capsys, tmp_path, *argv)

    assert (result.code, result.out, result.err) == (2, "", message)


def test_into_another_directory_makes_it_a_prompts_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sources: Path
) -> None:
    result = promptgit(capsys, tmp_path, "import", "prompty", "src", "--into", "elsewhere")

    assert result.code == 0
    assert "src/hello.prompty  hello   converted\n" in result.out
    assert "  file elsewhere/hello.j2 (new)\n" in result.out
    assert (tmp_path / "elsewhere/hello.j2").is_file() and not (tmp_path / "prompts").exists()


def test_a_source_that_cannot_be_read_is_reported_and_the_others_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sources: Path
) -> None:
    write(tmp_path, "src/broken.prompty", "---\nname: [unclosed\n---\nHi\n")

    result = promptgit(capsys, tmp_path, "import", "prompty", "src")

    assert result.code == 1
    assert "src/broken.prompty  -       error\n  error: line 3: YAML front matter:" in result.out
    assert result.out.endswith("2 prompts: 1 converted, 0 with losses, 1 failed; 1 file written\n")
    assert (tmp_path / "prompts/hello.j2").is_file()
