from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from promptgit.cli import main
from promptgit.errors import ReleaseError
from promptgit.store.gitstore import GitStore
from promptgit.store.releasing import ReleasePlan, create_tags


@pytest.fixture
def cli(history: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """Run `promptgit ARGS` in-process in the history repo; returns (exit code, stdout, stderr)."""
    monkeypatch.chdir(history.root)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def tags(repo: Any) -> list[str]:
    return sorted(str(tag) for tag in repo.git.tags)


def test_release_refuses_a_dirty_tree(history: Any, cli: Any) -> None:
    history.write_prompt("greeting", "0.2.0", "Hi {{ topic }}\n")
    assert cli("release", "greeting") == (
        2,
        "",
        "promptgit: error: uncommitted changes under prompts/: prompts/greeting.j2; commit them first\n",
    )
    assert "prompts/greeting/v0.2.0" not in tags(history)


def test_release_refuses_an_existing_tag(history: Any, cli: Any) -> None:
    code, out, err = cli("release", "content/hook")
    assert (code, out) == (2, "")
    assert err == (
        "promptgit: error: content/hook 2.0.0 is already released (tag prompts/content/hook/v2.0.0); "
        "bump the version (promptgit release NAME --bump patch) to release a change\n"
    )


def test_release_creates_an_annotated_tag(history: Any, cli: Any) -> None:
    history.write_prompt("greeting", "0.2.0", "Hi {{ topic }}\n")
    head = history.commit("greeting 0.2.0")
    code, out, err = cli("release", "greeting", "-m", "friendlier")
    assert (code, err) == (0, "")
    assert out == (
        f"released greeting 0.2.0 (tag prompts/greeting/v0.2.0 at {head[:12]})\n"
        "push the tag, or replicas cannot load it: git push origin prompts/greeting/v0.2.0\n"
    )
    tag = history.git.tags["prompts/greeting/v0.2.0"]
    assert tag.tag is not None and tag.tag.message.strip() == "friendlier"  # annotated, with the message
    assert tag.commit.hexsha == head
    assert GitStore(history.root).release("greeting", "0.2.0").message == "friendlier"


def test_release_accepts_a_path(history: Any, cli: Any) -> None:
    history.write_prompt("greeting", "0.2.0", "Hi {{ topic }}\n")
    history.commit("greeting 0.2.0")
    assert cli("release", "prompts/greeting.j2")[0] == 0
    assert "prompts/greeting/v0.2.0" in tags(history)


def test_release_refuses_an_invalid_prompt(history: Any, cli: Any) -> None:
    history.write_prompt("greeting", "0.2.0", "Hi {{ undeclared }}\n")
    history.commit("greeting 0.2.0 with an undeclared variable")
    code, _out, err = cli("release", "greeting")
    assert code == 2
    assert err.startswith("promptgit: error: not released, the prompt is invalid: prompts/greeting.j2:")
    assert "prompts/greeting/v0.2.0" not in tags(history)


def test_release_all_is_all_or_nothing(history: Any, cli: Any) -> None:
    history.write_prompt("greeting", "0.2.0", "Hi {{ topic }}\n")
    history.write_prompt("broken", "0.1.0", "{% if %}\n")
    history.commit("two new versions, one broken")
    before = tags(history)
    code, _out, err = cli("release", "--all")
    assert code == 2 and "prompts/broken.j2" in err
    assert tags(history) == before
    (history.root / "prompts/broken.j2").unlink()
    history.commit("drop broken")
    code, out, _err = cli("release", "--all")
    assert code == 0
    assert out.splitlines()[0].startswith("released greeting 0.2.0 (tag prompts/greeting/v0.2.0 at ")
    assert tags(history) == sorted([*before, "prompts/greeting/v0.2.0"])
    assert cli("release", "--all")[:2] == (
        0,
        "nothing to release: every prompt's version is already tagged\n",
    )


def test_create_tags_never_overwrites_and_leaves_nothing_behind(history: Any) -> None:
    store = GitStore(history.root)
    head = store.resolve_commit()
    existing = history.git.tags["prompts/content/hook/v1.0.0"].object.hexsha
    plans = [
        ReleasePlan("greeting", "9.0.0", head, "new"),
        ReleasePlan("content/hook", "1.0.0", head, "would move an existing tag"),
    ]
    with pytest.raises(ReleaseError, match="no tag created"):
        create_tags(store, plans)
    assert "prompts/greeting/v9.0.0" not in tags(history)  # the transaction created neither
    assert history.git.tags["prompts/content/hook/v1.0.0"].object.hexsha == existing


def test_release_bump_commits_then_tags(history: Any, cli: Any) -> None:
    code, out, err = cli("release", "greeting", "--bump", "minor")
    assert (code, err) == (0, "")
    head = history.git.head.commit
    assert out.splitlines()[0] == "bumped greeting 0.1.0 -> 0.2.0 (committed prompts/greeting.j2)"
    assert head.message.strip() == "greeting: version 0.2.0"
    assert "version: 0.2.0\n" in (history.root / "prompts/greeting.j2").read_text()
    assert history.git.tags["prompts/greeting/v0.2.0"].commit == head
    assert not history.git.is_dirty(untracked_files=True)


def test_release_bump_of_an_invalid_prompt_changes_nothing(history: Any, cli: Any) -> None:
    history.write_prompt("greeting", "0.1.0", "Hi {{ undeclared }}\n")
    history.commit("break greeting")
    before = (history.root / "prompts/greeting.j2").read_bytes()
    head = history.git.head.commit.hexsha
    code, _out, err = cli("release", "greeting", "--bump", "patch")
    assert code == 2 and "not released, the prompt is invalid" in err
    assert (history.root / "prompts/greeting.j2").read_bytes() == before
    assert history.git.head.commit.hexsha == head
    assert "prompts/greeting/v0.1.1" not in tags(history)


def test_release_dry_run(history: Any, cli: Any) -> None:
    history.write_prompt("greeting", "0.2.0", "Hi {{ topic }}\n")
    head = history.commit("greeting 0.2.0")
    assert cli("release", "greeting", "--dry-run") == (
        0,
        f"would release greeting 0.2.0 (tag prompts/greeting/v0.2.0 at {head[:12]})\n",
        "",
    )
    assert "prompts/greeting/v0.2.0" not in tags(history)


def test_release_usage_errors(history: Any, cli: Any) -> None:
    assert cli("release")[2] == "promptgit: error: release: give a prompt NAME or --all (not both)\n"
    assert cli("release", "--all", "--bump", "patch")[0] == 2
    assert (
        cli("release", "nope")[2]
        == "promptgit: error: no prompt nope at HEAD (prompts/nope.j2 is not committed)\n"
    )


def test_release_outside_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["release", "x"]) == 2
    assert (
        capsys.readouterr().err
        == f"promptgit: error: {tmp_path}: not a git repository (releases are git tags)\n"
    )


def test_versions(history: Any, cli: Any) -> None:
    history.write_prompt("content/hook", "2.1.0", "new\n")
    code, out, err = cli("versions", "content/hook")
    assert (code, err) == (0, "")
    lines = [line.split() for line in out.splitlines()]
    assert lines[0] == ["2.1.0", "(worktree)", "not", "released"]
    assert [line[0] for line in lines[1:]] == ["2.0.0", "1.1.0", "1.0.0"]
    assert lines[1][2:] == ["staging", "third", "release"]
    assert lines[2][2:] == ["production", "second", "release"]
    assert lines[3][2:] == ["first", "release"]


def test_versions_unknown_and_unreleased(history: Any, cli: Any) -> None:
    assert cli("versions", "nope") == (
        2,
        "",
        "promptgit: error: no prompt nope: no release tags and no prompts/nope.j2\n",
    )
    history.write_prompt("fresh", "0.1.0")
    code, out, _ = cli("versions", "fresh")
    assert code == 0 and out.splitlines()[-1] == "fresh: no releases yet"


@pytest.mark.parametrize(
    ("selector", "version", "origin"),
    [
        ("content/hook", "2.0.0", "tag prompts/content/hook/v2.0.0"),
        ("content/hook@production", "1.1.0", "tag prompts/content/hook/v1.1.0"),
        ("content/hook@^1", "1.1.0", "tag prompts/content/hook/v1.1.0"),
        ("content/hook@1.0.0", "1.0.0", "tag prompts/content/hook/v1.0.0"),
        ("content/hook@worktree", "2.0.0", "working tree prompts/content/hook.j2"),
    ],
)
def test_show(history: Any, cli: Any, selector: str, version: str, origin: str) -> None:
    code, out, err = cli("show", selector)
    assert (code, err) == (0, "")
    header, rest = out.split("\n", 1)
    assert header.startswith(f"# content/hook {version} ({origin}")
    assert rest.startswith(f"---\nversion: {version}\nkind: hook\n")
    assert cli("show", "--raw", selector)[1] == rest


def test_show_failures(cli: Any) -> None:
    assert cli("show", "content/hook@9.9.9") == (
        2,
        "",
        "promptgit: error: content/hook@9.9.9: no release matches (released versions: 2.0.0, 1.1.0, 1.0.0)\n",
    )
    assert cli("show", "content/hook@Bad!")[0] == 2
    assert cli("show", "gone@worktree")[2] == (
        "promptgit: error: gone@worktree: prompts/gone.j2 does not exist (prompts: content/hook, greeting)\n"
    )


def test_diff_release_against_worktree(history: Any, cli: Any) -> None:
    history.write_prompt("greeting", "0.2.0", "Hi {{ topic }}\n")
    code, out, err = cli("diff", "greeting")
    assert (code, err) == (0, "")
    tagged = history.git.git.rev_parse("prompts/greeting/v0.1.0^{commit}")[:12]
    assert out.splitlines() == [
        f"--- greeting@0.1.0 (tag prompts/greeting/v0.1.0 at {tagged})",
        "+++ greeting@worktree (working tree prompts/greeting.j2)",
        "@@ -1,8 +1,8 @@",
        " ---",
        "-version: 0.1.0",
        "+version: 0.2.0",
        " kind: hook",
        " inputs:",
        "   topic: {type: string}",
        " sample: {topic: sourdough}",
        " ---",
        "-Hello {{ topic }}",
        "+Hi {{ topic }}",
    ]


def test_diff_two_releases(cli: Any) -> None:
    code, out, _ = cli("diff", "content/hook@production", "content/hook@staging", "-U", "0")
    assert code == 0
    assert [line for line in out.splitlines() if line[:1] in "+-" and line[:3] not in ("---", "+++")] == [
        "-version: 1.1.0",
        "+version: 2.0.0",
        "+",
    ]
    assert cli("diff", "content/hook@1.0.0", "content/hook@1.0.0") == (
        0,
        "content/hook: content/hook@1.0.0 is the same as content/hook@1.0.0\n",  # issue 19.17: says so
        "",
    )


def test_label_set_keeps_comments_and_refuses_unreleased(history: Any, cli: Any) -> None:
    assert cli("label", "set", "production", "content/hook@2.0.0") == (
        0,
        "production: content/hook -> 2.0.0 (was 1.1.0); commit prompts/labels.yaml to apply\n",
        "",
    )
    assert (history.root / "prompts/labels.yaml").read_text() == (
        "# who runs what\nproduction:\n  content/hook: 2.0.0  # pinned\nstaging:\n  content/hook: 2.0.0\n"
    )
    assert cli("label", "set", "production", "greeting@0.1.0")[0] == 0
    assert cli("label", "set", "canary", "greeting@0.1.0")[0] == 0
    assert (history.root / "prompts/labels.yaml").read_text() == (
        "# who runs what\nproduction:\n  content/hook: 2.0.0  # pinned\n  greeting: 0.1.0\n"
        "staging:\n  content/hook: 2.0.0\ncanary:\n  greeting: 0.1.0\n"
    )
    before = (history.root / "prompts/labels.yaml").read_text()
    assert cli("label", "set", "production", "greeting@0.2.0") == (
        2,
        "",
        "promptgit: error: refusing to label greeting@0.2.0: it is not released "
        "(no tag prompts/greeting/v0.2.0)\n",
    )
    assert cli("label", "set", "production", "greeting@^0")[0] == 2
    assert cli("label", "set", "Worktree", "greeting@0.1.0")[0] == 2
    assert (history.root / "prompts/labels.yaml").read_text() == before
    assert cli("label", "set", "production", "greeting@0.1.0")[1] == (
        "production: greeting is already 0.1.0; prompts/labels.yaml unchanged\n"
    )


def test_label_set_result_passes_the_version_rules(history: Any, cli: Any) -> None:
    cli("label", "set", "production", "content/hook@2.0.0")
    assert cli("validate", "--select", "versions", "--base", "HEAD")[0] == 0


def test_label_list(history: Any, cli: Any) -> None:
    assert cli("label", "list") == (
        0,
        "production  content/hook  1.1.0\nstaging     content/hook  2.0.0\n",
        "",
    )
    cli("label", "set", "production", "content/hook@2.0.0")
    assert cli("label", "list")[1].splitlines()[0] == "production  content/hook  2.0.0"
    assert cli("label", "list", "--ref", "HEAD")[1].splitlines()[0] == "production  content/hook  1.1.0"
    assert cli("label", "list", "--ref", "HEAD~3") == (0, "no labels\n", "")


def test_log(history: Any, cli: Any) -> None:
    code, out, err = cli("log", "content/hook")
    assert (code, err) == (0, "")
    rows = [line.split() for line in out.splitlines()]
    assert [row[2:4] for row in rows] == [["2.0.0", "[v2.0.0]"], ["1.1.0", "[v1.1.0]"], ["1.0.0", "[v1.0.0]"]]
    assert out.splitlines()[0].endswith(" hook 2.0.0 (Test Author)")
    assert cli("log", "nope") == (2, "", "promptgit: error: no commits touch prompts/nope.j2\n")


def test_commands_in_a_subprocess(history: Any) -> None:
    result = subprocess.run(
        ["promptgit", "show", "--raw", "content/hook@production"],
        cwd=history.root,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and result.stdout.startswith("---\nversion: 1.1.0\n")
    result = subprocess.run(["promptgit", "show", "x@"], cwd=history.root, capture_output=True, text=True)
    assert (result.returncode, result.stderr) == (
        2,
        "promptgit: error: selector 'x@' has nothing after '@'\n",
    )


def test_release_in_an_empty_repository(
    prompt_repo: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.chdir(prompt_repo.root)
    assert main(["release", "--all"]) == 2
    assert (
        capsys.readouterr().err
        == "promptgit: error: the repository has no commits yet; commit the prompts first\n"
    )


def test_release_of_a_binary_prompt_names_the_file(history: Any, cli: Any) -> None:
    (history.root / "prompts/blob.j2").write_bytes(b"---\x00\xff\n")
    history.commit("binary")
    code, _out, err = cli("release", "blob")
    assert code == 2
    assert err == (
        "promptgit: error: prompts/blob.j2:1:1: PG103 binary file (NUL byte); a prompt must be UTF-8 text\n"
    )
    assert not [tag for tag in tags(history) if tag.startswith("prompts/blob/")]


def test_release_bump_dry_run_changes_nothing(history: Any, cli: Any) -> None:
    before = (history.root / "prompts/greeting.j2").read_bytes()
    assert cli("release", "greeting", "--bump", "patch", "--dry-run") == (
        0,
        "would bump greeting 0.1.0 -> 0.1.1, commit prompts/greeting.j2 and tag it\n",
        "",
    )
    assert (history.root / "prompts/greeting.j2").read_bytes() == before
    assert not history.git.is_dirty(untracked_files=True)


def test_release_bump_onto_a_released_version_is_refused_before_committing(history: Any, cli: Any) -> None:
    history.tag_release("greeting", "0.1.1")  # a tag made elsewhere: bumping 0.1.0 by a patch would hit it
    head = history.git.head.commit.hexsha
    before = (history.root / "prompts/greeting.j2").read_bytes()
    assert cli("release", "greeting", "--bump", "patch") == (
        2,
        "",
        "promptgit: error: cannot bump greeting 0.1.0 -> 0.1.1: 0.1.1 is already released\n",
    )
    assert history.git.head.commit.hexsha == head
    assert (history.root / "prompts/greeting.j2").read_bytes() == before


def test_label_set_refuses_a_removed_prompt(history: Any, cli: Any) -> None:
    (history.root / "prompts/greeting.j2").unlink()
    assert cli("label", "set", "production", "greeting@0.1.0") == (
        2,
        "",
        "promptgit: error: refusing to label greeting@0.1.0: prompts/greeting.j2 does not exist "
        "in the working tree (labels may only point at existing prompts)\n",
    )
