"""A Langfuse export (its public API's prompt objects) round-trips: convert, validate, render with the
source's variables, compare with what Langfuse's compile gives (stated here from its documented
behaviour: `{{name}}` replaced, everything else kept; the SDK is not a test dependency), and labels land
in labels.yaml once the versions are released, in a real git repository."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from tests.cli.helpers import promptgit

from .helpers import errors, import_into, render

EXPORT = {
    "data": [
        {
            "id": "p3",
            "name": "support/greeting",
            "version": 3,
            "type": "chat",
            "prompt": [
                {
                    "role": "system",
                    "content": "You help {{customer}} with {{ product }}. Keep {braces} and {{ 1 }}.",
                },
                {"type": "placeholder", "name": "history"},
                {"role": "user", "content": "{{question}}"},
            ],
            "config": {"model": "gpt-4o-mini", "temperature": 0.2, "max_tokens": 300},
            "labels": ["production", "latest"],
            "tags": ["support"],
            "commitMessage": "friendlier",
        },
        {
            "id": "p2",
            "name": "support/greeting",
            "version": 2,
            "type": "chat",
            "prompt": [{"role": "system", "content": "old"}],
            "labels": ["staging"],
        },
        {
            "id": "s1",
            "name": "summaries/short summary",
            "version": 1,
            "type": "text",
            "prompt": "Summarize in {{words}} words:\n{{text}}\n{% not jinja %}",
            "config": {"top_p": 0.5},
            "labels": ["staging"],
        },
    ]
}
VARIABLES = {"customer": "Ada", "product": "tea", "question": "Which tea?"}


def _export(tmp_path: Path) -> Path:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(EXPORT), "utf-8")
    return path


def test_an_export_converts_validates_and_renders_as_langfuse_compiles(tmp_path: Path) -> None:
    root = tmp_path / "repo"

    conversions = {c.name: c for c in import_into(root, "langfuse", [_export(tmp_path)])}

    assert set(conversions) == {"support/greeting", "summaries/short-summary"}  # folders are the path
    greeting = conversions["support/greeting"]
    assert [loss.what for loss in greeting.losses] == [
        "prompt[0]: {{ 1 }}",
        "version 2 of support/greeting (labels staging)",
    ]
    assert greeting.labels == ["production"]  # `latest` is promptgit's highest release already
    assert errors(root) == []
    history = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
    assert render(root, "support/greeting", {**VARIABLES, "history": history}) == [
        {"role": "system", "content": "You help Ada with tea. Keep {braces} and {{ 1 }}."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "Which tea?"},
    ]
    text = render(root, "summaries/short-summary", {"words": "ten", "text": "A long story."})
    assert text == "Summarize in ten words:\nA long story.\n{% not jinja %}"
    metadata = yaml.safe_load((root / "prompts/support/greeting.j2").read_text().split("---\n")[1])
    assert (metadata["version"], metadata["model"], metadata["params"], metadata["tags"]) == (
        "1.0.0",
        "gpt-4o-mini",
        {"temperature": 0.2, "max_tokens": 300},
        ["support"],
    )


def test_a_list_endpoint_entry_has_no_prompt_text_and_says_where_to_get_it(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text(json.dumps({"data": [{"name": "a", "versions": [1, 2], "labels": []}], "meta": {}}))

    (conversion,) = import_into(tmp_path / "repo", "langfuse", [path])

    assert conversion.error is not None and "GET /api/public/v2/prompts/a" in conversion.error


def test_labels_land_in_labels_yaml_once_released(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    export = _export(tmp_path)

    first = promptgit(capsys, repo, "import", "langfuse", str(export))

    assert first.code == 1  # losses were reported
    assert (
        "label production -> support/greeting@1.0.0: pending: after `promptgit release support/greeting`"
        in first.out
    )
    assert not (repo / "prompts/labels.yaml").exists()
    subprocess.run([*git, "-C", str(repo), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-qm", "import"], check=True)
    released = promptgit(capsys, repo, "release", "support/greeting")
    assert released.code == 0, released.err

    again = promptgit(capsys, repo, "import", "langfuse", str(export))

    assert "label production -> support/greeting@1.0.0: set in labels.yaml" in again.out
    assert "label staging -> summaries/short-summary@1.0.0: pending" in again.out
    assert "0 files written" in again.out  # the prompts are unchanged: nothing rewritten
    assert yaml.safe_load((repo / "prompts/labels.yaml").read_text()) == {
        "production": {"support/greeting": "1.0.0"}
    }
