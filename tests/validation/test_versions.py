from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from promptgit.errors import GitError
from promptgit.findings import Finding
from promptgit.store.workspace import Workspace
from promptgit.validation.versions import check_versions


def findings(repo: Any, base: str | None = "HEAD", paths: list[Path] | None = None) -> list[str]:
    return [item.format() for item in check_versions(Workspace.discover(repo.root), base, paths)]


@pytest.fixture
def drafted(history: Any) -> Any:
    """history plus `draft` 0.3.0, committed and not released: changes to it are judged against HEAD only."""
    history.write_prompt("draft", "0.3.0", "Draft {{ topic }}\n")
    history.commit("draft 0.3.0")
    return history


def test_clean_history_has_no_findings(history: Any) -> None:
    assert findings(history) == []
    assert findings(history, base=None) == []


def test_not_a_git_repository_yields_nothing(tmp_path: Path) -> None:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts/a.j2").write_text("---\nversion: 1.0.0\nkind: hook\n---\nhi\n")
    (tmp_path / "promptgit.yaml").write_text("{}\n")
    assert list(check_versions(Workspace.discover(tmp_path), None)) == []


def test_changed_without_bump_is_pg501(drafted: Any) -> None:
    drafted.write_prompt("draft", "0.3.0", "Hi there {{ topic }}\n")
    assert findings(drafted) == [
        "prompts/draft.j2:2:1: PG501 draft changed since HEAD but its version is still 0.3.0; "
        "bump it (e.g. 0.3.1)"
    ]


def test_metadata_change_without_bump_is_pg501(drafted: Any) -> None:
    drafted.write_prompt("draft", "0.3.0", "Draft {{ topic }}\n", description="new words")
    assert [line.split(": ")[1].split()[0] for line in findings(drafted)] == ["PG501"]


def test_bumped_change_is_clean(drafted: Any) -> None:
    drafted.write_prompt("draft", "0.4.0", "Hi there {{ topic }}\n")
    assert findings(drafted) == []


def test_version_going_down_is_pg502(history: Any) -> None:
    history.write_prompt("content/hook", "1.5.0", "changed\n")
    assert findings(history) == [
        "prompts/content/hook.j2:2:1: PG502 version 1.5.0 is lower than 2.0.0 at HEAD; versions never go down"
    ]


def test_released_version_with_other_content_is_pg503(history: Any) -> None:
    history.write_prompt("content/hook", "1.1.0", "rewritten\n")  # 1.1.0 is released, with other content
    assert findings(history) == [
        "prompts/content/hook.j2:2:1: PG503 content/hook 1.1.0 is already released "
        "(tag prompts/content/hook/v1.1.0) with other content; bump the version"
    ]


def test_released_version_with_same_content_is_clean(history: Any) -> None:
    released = history.git.git.show("prompts/content/hook/v1.1.0:prompts/content/hook.j2") + "\n"
    (history.root / "prompts/content/hook.j2").write_text(released)
    # going back to exactly the released 1.1.0 is still a version going down, but not a changed release
    assert [f.split(": ")[1].split()[0] for f in findings(history)] == ["PG502"]


def test_crlf_checkout_is_not_a_change(history: Any) -> None:
    path = history.root / "prompts/greeting.j2"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert findings(history) == []


def test_new_prompt_needs_nothing(history: Any) -> None:
    history.write_prompt("brand/new", "0.1.0")
    assert findings(history) == []


def test_first_commit_of_a_repository(prompt_repo: Any) -> None:
    prompt_repo.write_prompt("a", "1.0.0")
    prompt_repo.write("prompts/labels.yaml", "production:\n  a: 1.0.0\n")
    assert findings(prompt_repo) == [
        "prompts/labels.yaml:2:6: PG504 label production points at a@1.0.0, which is not released "
        "(no tag prompts/a/v1.0.0); release it first"
    ]


def test_label_on_unreleased_version_is_pg504(history: Any) -> None:
    history.write("prompts/labels.yaml", "production:\n  content/hook: 1.1.0\n  greeting: 0.2.0\n")
    assert findings(history) == [
        "prompts/labels.yaml:3:13: PG504 label production points at greeting@0.2.0, which is not released "
        "(no tag prompts/greeting/v0.2.0); release it first"
    ]


def test_label_on_removed_prompt_is_pg505(history: Any) -> None:
    (history.root / "prompts/content/hook.j2").unlink()
    removed = "points at content/hook, which was removed since HEAD"
    assert findings(history) == [
        f"prompts/labels.yaml:3:17: PG505 label production {removed}",
        f"prompts/labels.yaml:5:17: PG505 label staging {removed}",
    ]


def test_label_on_unknown_prompt_is_pg505(history: Any) -> None:
    history.write("prompts/labels.yaml", "production:\n  nope/never: 1.0.0\n")
    assert findings(history) == [
        "prompts/labels.yaml:2:15: PG505 label production points at nope/never, which does not exist"
    ]


def test_broken_labels_file_is_left_to_the_schema_rules(history: Any) -> None:
    history.write("prompts/labels.yaml", "production: [\n")
    assert findings(history) == []


def test_broken_prompt_is_left_to_the_parse_rules(history: Any) -> None:
    history.write("prompts/greeting.j2", "---\nversion: [\n---\nhi\n")
    assert findings(history) == []


def test_only_given_paths_are_checked(drafted: Any) -> None:
    drafted.write_prompt("draft", "0.3.0", "Changed {{ topic }}\n")
    drafted.write_prompt("content/hook", "2.0.0", "Changed {{ topic }}\n")
    only = [drafted.root / "prompts/draft.j2"]
    assert [f.split(":")[0] for f in findings(drafted, paths=only)] == ["prompts/draft.j2"]
    assert [f.split(":")[0] for f in findings(drafted)] == ["prompts/content/hook.j2", "prompts/draft.j2"]


def test_default_base_is_merge_base_with_main(drafted: Any) -> None:
    drafted.git.git.checkout("-b", "feature")
    drafted.write_prompt("draft", "0.3.0", "Changed {{ topic }}\n")
    drafted.commit("change greeting without a bump")
    assert findings(drafted, base="HEAD") == []  # committed already: nothing changed against HEAD
    assert [f.split(": ")[1][:5] for f in findings(drafted, base=None)] == ["PG501"]
    assert "since merge-base with main" in findings(drafted, base=None)[0]


def test_unknown_base_is_an_error(history: Any) -> None:
    with pytest.raises(GitError, match="unknown revision 'nope'"):
        findings(history, base="nope")


def test_validate_command_runs_the_version_rules(drafted: Any) -> None:
    drafted.write_prompt("draft", "0.3.0", "Changed {{ topic }}\n")
    result = subprocess.run(
        ["promptgit", "validate", "--select", "versions", "--base", "HEAD"],
        cwd=drafted.root,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stderr
    assert "prompts/draft.j2:2:1: PG501 draft changed since HEAD" in result.stdout


def test_finding_type(drafted: Any) -> None:
    drafted.write_prompt("draft", "0.3.0", "Changed {{ topic }}\n")
    (item,) = check_versions(Workspace.discover(drafted.root), "HEAD")
    assert isinstance(item, Finding) and item.code == "PG501" and item.line == 2


def test_partial_changed_under_an_unbumped_prompt_is_pg506_warning(history: Any) -> None:
    history.write("prompts/partials/style.j2", "Style five.")
    (item,) = check_versions(Workspace.discover(history.root), "HEAD")
    assert item.format() == (
        "prompts/content/hook.j2:2:1: PG506 content/hook includes prompts/partials/style.j2, "
        "changed since HEAD, but stays at 2.0.0: "
        "the change reaches no release of it until its version is bumped"
    )
    assert item.severity.value == "warning"
    history.write_prompt("content/hook", "2.1.0", "{% include 'partials/style.j2' %} {{ topic }}\n")
    assert findings(history) == []


def test_nested_partials_are_followed(history: Any) -> None:
    history.write("prompts/partials/outer.j2", "{% include 'partials/inner.j2' %}")
    history.write("prompts/partials/inner.j2", "inner one")
    history.write_prompt("nested", "1.0.0", "{% include 'partials/outer.j2' %} {{ topic }}\n")
    history.commit("nested")
    history.write("prompts/partials/inner.j2", "inner two")
    assert [f.split(": ")[1][:5] for f in findings(history)] == ["PG506"]
    assert "includes prompts/partials/inner.j2, changed" in findings(history)[0]


@pytest.mark.parametrize(
    "tag",
    [
        "{%- include 'partials/inner.j2' %}",
        "{%+ include 'partials/inner.j2' %}",
        "{%   from 'partials/inner.j2' import x %}",
        "{% import 'partials/inner.j2' as m %}",
        "{% if topic %}{% include 'partials/inner.j2' %}{% endif %}",
    ],
)
def test_every_spelling_of_an_include_tag_is_followed(history: Any, tag: str) -> None:
    # prompts without such a tag are not parsed for includes at all: the shortcut must see every spelling
    history.write("prompts/partials/inner.j2", "{% macro x() %}inner one{% endmacro %}")
    history.write_prompt("spelled", "1.0.0", tag + " {{ topic }}\n")
    history.commit("spelled")
    history.write("prompts/partials/inner.j2", "{% macro x() %}inner two{% endmacro %}")
    assert [f.split(": ")[1][:5] for f in findings(history)] == ["PG506"]


def test_may_reference_templates_only_says_no_without_a_reference_tag() -> None:
    from promptgit.format.templating import may_reference_templates

    assert not may_reference_templates("Hi {{ topic }} {% if x %}include{% endif %} {# import #}")
    assert may_reference_templates(b"{%include 'a.j2'%}")
    assert may_reference_templates("{% raw %}{% include 'a.j2' %}{% endraw %}")  # may: parsing decides
