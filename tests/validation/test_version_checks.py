from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from promptgit.errors import GitError
from promptgit.findings import Finding
from promptgit.store.workspace import Workspace
from promptgit.validation.version_checks import check_versions
from tests.conftest import HOOK_BODY


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


def test_unreleased_version_changes_freely_across_commits(drafted: Any) -> None:
    for text in ("One {{ topic }}\n", "Two {{ topic }}\n", "Three {{ topic }}\n"):
        drafted.write_prompt("draft", "0.3.0", text)
        assert findings(drafted) == []
        drafted.commit(f"draft: {text.split()[0]}")
    assert findings(drafted, base=None) == []
    drafted.git.git.commit("--amend", "-m", "amended")
    assert findings(drafted) == []


def test_changed_after_its_release_without_bump_is_pg501(history: Any) -> None:
    history.write_prompt("greeting", "0.1.0", "Hi there {{ topic }}\n")
    expected = [
        "prompts/greeting.j2:2:1: PG501 greeting changed since its release 0.1.0 "
        "(tag prompts/greeting/v0.1.0) but keeps its version: body changed: patch, needs 0.1.1"
    ]
    assert findings(history) == expected
    history.commit("committed without a bump")  # a commit is not a release: still judged against the tag
    assert findings(history) == expected
    assert findings(history, base=None) == expected


def test_metadata_change_without_bump_is_pg501(history: Any) -> None:
    history.write_prompt("greeting", "0.1.0", "Hello {{ topic }}\n", description="new words")
    assert findings(history)[0].endswith("keeps its version: metadata changed: patch, needs 0.1.1")


def test_bumped_change_is_clean(history: Any) -> None:
    history.write_prompt("greeting", "0.1.1", "Hi there {{ topic }}\n")
    assert findings(history) == []


def test_a_breaking_change_needs_a_major_bump(history: Any) -> None:
    renamed = HOOK_BODY.replace("{{ topic }}", "{{ subject }}")
    metadata = {"inputs": "\n  subject: {type: string}", "sample": "{subject: x}"}
    history.write_prompt("content/hook", "2.1.0", renamed, **metadata)
    assert findings(history) == [
        "prompts/content/hook.j2:2:1: PG501 content/hook 2.1.0 is too small a bump for the change since its "
        "release 2.0.0: input 'topic' renamed to 'subject': breaking, needs 3.0.0"
    ]
    history.write_prompt("content/hook", "3.0.0", renamed, **metadata)
    assert findings(history) == []


def test_an_additive_change_needs_a_minor_bump(history: Any) -> None:
    inputs = "\n  topic: {type: string}\n  tone: {type: string, default: calm}"
    history.write_prompt("content/hook", "2.0.1", HOOK_BODY, inputs=inputs, sample="{topic: x}")
    assert findings(history) == [
        "prompts/content/hook.j2:2:1: PG501 content/hook 2.0.1 is too small a bump for the change since its "
        "release 2.0.0: input 'tone' added as optional: additive, needs 2.1.0"
    ]
    history.write_prompt("content/hook", "2.1.0", HOOK_BODY, inputs=inputs, sample="{topic: x}")
    assert findings(history) == []


def test_zero_versions_break_with_a_minor_bump(history: Any) -> None:
    history.write_prompt("greeting", "0.1.1", '{% message "user" %}Hello {{ topic }}{% endmessage %}\n')
    assert findings(history) == [
        "prompts/greeting.j2:2:1: PG501 greeting 0.1.1 is too small a bump for the change since its release "
        "0.1.0: turned into a chat prompt (messages): breaking, needs 0.2.0"
    ]
    history.write_prompt("greeting", "0.2.0", '{% message "user" %}Hello {{ topic }}{% endmessage %}\n')
    assert findings(history) == []


def test_version_going_down_is_pg502(history: Any) -> None:
    history.write_prompt("content/hook", "1.5.0", "changed\n")
    assert findings(history) == [
        "prompts/content/hook.j2:2:1: PG502 version 1.5.0 is lower than 2.0.0, the last release of "
        "content/hook (tag prompts/content/hook/v2.0.0); versions never go down"
    ]


def test_unreleased_version_may_go_down_until_released(drafted: Any) -> None:
    drafted.write_prompt("draft", "0.2.0", "Draft {{ topic }}\n")
    assert findings(drafted) == []


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


def test_a_maintenance_branch_is_judged_against_its_own_line(history: Any) -> None:
    history.git.git.checkout("-b", "maint-1.1", "prompts/content/hook/v1.1.0")
    history.write_prompt("content/hook", "1.1.1", HOOK_BODY + "\n# fixed\n")
    assert findings(history) == []  # 2.0.0 is not on this branch: 1.1.0 is the last release here
    history.write_prompt("content/hook", "1.1.0", HOOK_BODY + "\n# fixed\n")
    assert "PG501 content/hook changed since its release 1.1.0" in findings(history)[0]


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
    history.write(
        "prompts/labels.yaml",
        "production:\n  content/hook: 1.1.0\n  greeting: 0.2.0\nstaging:\n  content/hook: 2.0.0\n",
    )
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
    history.write(
        "prompts/labels.yaml",
        "production:\n  content/hook: 1.1.0\n  nope/never: 1.0.0\nstaging:\n  content/hook: 2.0.0\n",
    )
    assert findings(history) == [
        "prompts/labels.yaml:3:15: PG505 label production points at nope/never, which does not exist"
    ]


def test_broken_labels_file_is_left_to_the_schema_rules(history: Any) -> None:
    history.write("prompts/labels.yaml", "production: [\n")
    assert findings(history) == []


def test_broken_prompt_is_left_to_the_parse_rules(history: Any) -> None:
    history.write("prompts/greeting.j2", "---\nversion: [\n---\nhi\n")
    assert findings(history) == []


def test_only_given_paths_are_checked(history: Any) -> None:
    history.write_prompt("greeting", "0.1.0", "Changed {{ topic }}\n")
    history.write_prompt("content/hook", "2.0.0", "Changed {{ topic }}\n")
    only = [history.root / "prompts/greeting.j2"]
    assert [f.split(":")[0] for f in findings(history, paths=only)] == ["prompts/greeting.j2"]
    assert [f.split(":")[0] for f in findings(history)] == ["prompts/content/hook.j2", "prompts/greeting.j2"]


def test_default_base_is_merge_base_with_main(history: Any) -> None:
    history.git.git.checkout("-b", "feature")
    (history.root / "prompts/greeting.j2").unlink()
    history.write(
        "prompts/labels.yaml",
        "production:\n  greeting: 0.1.0\n  content/hook: 1.1.0\nstaging:\n  content/hook: 2.0.0\n",
    )
    history.commit("remove greeting")
    assert findings(history, base=None) == [
        "prompts/labels.yaml:2:13: PG505 label production points at greeting, "
        "which was removed since merge-base with main"
    ]


def test_unknown_base_is_an_error(history: Any) -> None:
    with pytest.raises(GitError, match="unknown revision 'nope'"):
        findings(history, base="nope")


def test_validate_command_runs_the_version_rules(history: Any) -> None:
    history.write_prompt("greeting", "0.1.0", "Changed {{ topic }}\n")
    result = subprocess.run(
        ["promptgit", "validate", "--select", "versions", "--base", "HEAD"],
        cwd=history.root,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stderr
    assert "prompts/greeting.j2:2:1: PG501 greeting changed since its release 0.1.0" in result.stdout


def test_finding_type(history: Any) -> None:
    history.write_prompt("greeting", "0.1.0", "Changed {{ topic }}\n")
    (item,) = check_versions(Workspace.discover(history.root), "HEAD")
    assert isinstance(item, Finding) and item.code == "PG501" and item.line == 2


def test_partial_changed_under_an_unbumped_prompt_is_pg506_warning(history: Any) -> None:
    history.write("prompts/partials/style.j2", "Style five.")
    (item,) = check_versions(Workspace.discover(history.root), "HEAD")
    assert item.format() == (
        "prompts/content/hook.j2:2:1: PG506 content/hook includes prompts/partials/style.j2, "
        "changed since HEAD, but stays at 2.0.0, which is released: "
        "the change reaches no release of it until its version is bumped"
    )
    assert item.severity.value == "warning"
    history.write_prompt("content/hook", "2.0.1", HOOK_BODY)
    assert findings(history) == []


def test_nested_partials_are_followed(history: Any) -> None:
    history.write("prompts/partials/outer.j2", "{% include 'partials/inner.j2' %}")
    history.write("prompts/partials/inner.j2", "inner one")
    history.write_prompt("nested", "1.0.0", "{% include 'partials/outer.j2' %} {{ topic }}\n")
    history.commit("nested")
    history.tag_release("nested", "1.0.0")
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
    history.tag_release("spelled", "1.0.0")
    history.write("prompts/partials/inner.j2", "{% macro x() %}inner two{% endmacro %}")
    assert [f.split(": ")[1][:5] for f in findings(history)] == ["PG506"]


def test_an_unreleased_prompt_gets_its_partials_changes_without_a_warning(history: Any) -> None:
    history.write_prompt("later", "1.0.0", "{% include 'partials/style.j2' %} {{ topic }}\n")
    history.commit("later, not released")
    history.write("prompts/partials/style.j2", "Style five.")
    assert [f.split(": ")[1][:5] for f in findings(history)] == ["PG506"]  # content/hook only
    assert "content/hook includes" in findings(history)[0]


def test_may_reference_templates_only_says_no_without_a_reference_tag() -> None:
    from promptgit.format.templating import may_reference_templates

    assert not may_reference_templates("Hi {{ topic }} {% if x %}include{% endif %} {# import #}")
    assert may_reference_templates(b"{%include 'a.j2'%}")
    assert may_reference_templates("{% raw %}{% include 'a.j2' %}{% endraw %}")  # may: parsing decides


def _clone(history: Any, tmp_path: Path, *options: str) -> Path:
    target = tmp_path / "clone"
    done = subprocess.run(
        ["git", "clone", "-q", *options, f"file://{history.root}", str(target)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return target


def _clone_findings(root: Path) -> list[str]:
    return [item.format() for item in check_versions(Workspace.discover(root), "HEAD")]


def test_a_shallow_clone_without_tags_is_pg507_not_a_silent_pass(history: Any, tmp_path: Path) -> None:
    clone = _clone(history, tmp_path, "--depth", "1", "--no-tags")
    assert _clone_findings(clone) == [
        "prompts/content/hook.j2:1:1: PG507 no release tags (refs/tags/prompts/*) in this repository: "
        "this clone is shallow; fetch the history and tags: git fetch --unshallow --tags "
        "(GitHub Actions: actions/checkout with fetch-depth: 0); without them every version looks unreleased"
    ]
    subprocess.run(["git", "fetch", "-q", "--unshallow", "--tags"], cwd=clone, check=True)
    assert _clone_findings(clone) == []


def test_a_no_tags_clone_is_pg507(history: Any, tmp_path: Path) -> None:
    clone = _clone(history, tmp_path, "--no-tags")
    (item,) = _clone_findings(clone)
    assert "PG507" in item and "this clone was made with --no-tags; fetch them: git fetch --tags" in item


def test_committed_labels_without_tags_is_pg507_instead_of_a_pg504_per_label(history: Any) -> None:
    history.git.git.tag("-d", *history.git.git.tag("--list", "prompts/*").split())
    (item,) = findings(history)
    assert "PG507" in item and "the committed labels.yaml names versions" in item


def test_a_repository_never_released_has_no_pg507(drafted: Any) -> None:
    drafted.git.git.tag("-d", *drafted.git.git.tag("--list", "prompts/*").split())
    (drafted.root / "prompts/labels.yaml").unlink()
    drafted.commit("no labels")
    assert findings(drafted) == []
