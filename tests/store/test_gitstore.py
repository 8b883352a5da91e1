from __future__ import annotations

import shutil
import subprocess
import threading
from typing import Any

import pytest

from promptgit.errors import GitError, PromptNotFoundError
from promptgit.sources import CommitSource
from promptgit.store.gitstore import GitStore, release_tag
from promptgit.store.selectors import parse_selector


def _at(store: GitStore, ref: str = "HEAD") -> CommitSource:
    return store.at(store.resolve_commit(ref), "prompts", label=ref)


def _resolve(store: GitStore, selector: str, ref: str = "HEAD") -> str:
    return store.resolve_version(parse_selector(selector), _at(store, ref))


def test_not_a_repository(tmp_path: Any) -> None:
    with pytest.raises(GitError, match="not a git repository"):
        GitStore(tmp_path)
    with pytest.raises(GitError, match="no such directory"):
        GitStore(tmp_path / "missing")


def test_release_versions_and_releases(history: Any) -> None:
    store = GitStore(history.root)
    assert store.release_versions("content/hook") == ["1.0.0", "1.1.0", "2.0.0"]
    assert store.release_versions("content") == []  # a prefix of a name is not the prompt
    assert store.release_versions("greeting") == ["0.1.0"]
    releases = store.releases("content/hook")
    assert [r.tag for r in releases] == [release_tag("content/hook", v) for v in ("1.0.0", "1.1.0", "2.0.0")]
    assert releases[1].message == "second release\n\nwith details"
    assert releases[1].tagger == "Test Author <test@example.com>"
    assert releases[1].date is not None
    tagged = history.git.git.rev_parse("prompts/content/hook/v1.1.0^{commit}")
    assert releases[1].commit == tagged
    with pytest.raises(PromptNotFoundError, match=r"content/hook@9.9.9: no such release"):
        store.release("content/hook", "9.9.9")


def test_packed_and_loose_refs_agree(history: Any) -> None:
    loose = GitStore(history.root).releases("content/hook")
    history.git.git.pack_refs("--all")
    history.write_prompt("content/hook", "2.1.0")
    history.commit("2.1.0")
    history.tag_release("content/hook", "2.1.0")  # loose, beside the packed ones
    store = GitStore(history.root)
    assert store.releases("content/hook")[:3] == loose
    assert store.release_versions("content/hook") == ["1.0.0", "1.1.0", "2.0.0", "2.1.0"]
    assert store.release_commit("content/hook", "1.0.0") == loose[0].commit  # from the peeled line


def test_labels(history: Any) -> None:
    store = GitStore(history.root)
    assert store.labels(_at(store)) == {
        "production": {"content/hook": "1.1.0"},
        "staging": {"content/hook": "2.0.0"},
    }
    assert store.labels(store.at(store.release("content/hook", "1.0.0").commit, "prompts")) == {}


def test_broken_labels_file_names_the_file(history: Any) -> None:
    history.write("prompts/labels.yaml", "production: [\n")
    history.commit("broken labels")
    store = GitStore(history.root)
    with pytest.raises(
        GitError, match=r"prompts/labels.yaml@[0-9a-f]{12}:\d+: labels file is not valid YAML"
    ):
        store.labels(_at(store))


@pytest.mark.parametrize(
    ("selector", "version"),
    [
        ("content/hook", "2.0.0"),
        ("content/hook@1.0.0", "1.0.0"),
        ("content/hook@^1", "1.1.0"),
        ("content/hook@~1.0", "1.0.0"),
        ("content/hook@>=1,<2", "1.1.0"),
        ("content/hook@production", "1.1.0"),
        ("content/hook@staging", "2.0.0"),
    ],
)
def test_resolve_version(history: Any, selector: str, version: str) -> None:
    assert _resolve(GitStore(history.root), selector) == version


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ("content/hook@3.0.0", "no release matches"),
        ("content/hook@^3", "no release matches"),
        ("missing", r"no prompt missing \(prompts at HEAD: content/hook, greeting\)"),
        ("content/hook@canary", "no label 'canary'"),
        ("greeting@production", "has no entry for greeting"),
        ("content/hook@worktree", "not a release"),
    ],
)
def test_resolve_version_failures(history: Any, selector: str, message: str) -> None:
    with pytest.raises(PromptNotFoundError, match=message):
        _resolve(GitStore(history.root), selector)


def test_labels_at_an_older_ref(history: Any) -> None:
    history.write("prompts/labels.yaml", "production:\n  content/hook: 2.0.0\n")
    history.commit("promote")
    store = GitStore(history.root)
    assert _resolve(store, "content/hook@production") == "2.0.0"
    assert _resolve(store, "content/hook@production", ref="HEAD~1") == "1.1.0"


def _render(store: GitStore, name: str, version: str) -> Any:
    prompt = store.at(store.release_commit(name, version), "prompts").compile(name)
    assert prompt is not None
    return prompt.render(topic="bread")


def test_partial_changed_after_release_does_not_change_the_release(history: Any) -> None:
    store = GitStore(history.root)
    assert _render(store, "content/hook", "1.0.0")[0] == {"role": "system", "content": "Style one."}
    assert _render(store, "content/hook", "1.1.0")[0] == {"role": "system", "content": "Style two."}
    assert _render(store, "content/hook", "2.0.0")[0] == {"role": "system", "content": "Style three."}
    assert (history.root / "prompts/partials/style.j2").read_text() == "Style four."


def test_refresh_sees_new_tags(history: Any) -> None:
    store = GitStore(history.root)
    assert store.release_versions("greeting") == ["0.1.0"]
    history.tag_release("greeting", "0.2.0")
    assert store.release_versions("greeting") == ["0.1.0"]  # cached until refresh
    store.refresh()
    assert store.release_versions("greeting") == ["0.1.0", "0.2.0"]


def test_reads_never_touch_the_working_tree(history: Any) -> None:
    before = subprocess.run(
        ["git", "status", "--porcelain", "--ignored"], cwd=history.root, capture_output=True, text=True
    ).stdout
    store = GitStore(history.root)
    for release in store.releases("content/hook"):
        store.at(release.commit, "prompts").read_prompt("content/hook")
    after = subprocess.run(
        ["git", "status", "--porcelain", "--ignored"], cwd=history.root, capture_output=True, text=True
    ).stdout
    assert before == after == ""


def test_unknown_ref_and_deleted_repository(history: Any) -> None:
    store = GitStore(history.root)
    with pytest.raises(GitError, match="unknown revision 'no-such-branch'"):
        store.resolve_commit("no-such-branch")
    store.close()
    shutil.rmtree(history.root / ".git")
    with pytest.raises(GitError, match="gone or corrupt"):
        store.refresh()
    with pytest.raises(GitError):
        store.resolve_commit("HEAD")


def test_corrupt_object_is_a_git_error(history: Any) -> None:
    store = GitStore(history.root)
    head = store.resolve_commit()
    objects = history.root / ".git" / "objects"
    blob = history.git.git.rev_parse(f"{head}:prompts/greeting.j2")
    path = objects / blob[:2] / blob[2:]
    path.chmod(0o644)
    path.write_bytes(b"garbage")
    with pytest.raises(GitError):
        GitStore(history.root).at(head, "prompts").read_prompt("greeting")


def test_thread_safe_reads(history: Any) -> None:
    store = GitStore(history.root)
    errors: list[BaseException] = []
    results: list[str] = []

    def work() -> None:
        try:
            for _ in range(30):
                version = _resolve(store, "content/hook@^1")
                found = store.at(store.release_commit("content/hook", version), "prompts").read_prompt(
                    "content/hook"
                )
                assert found is not None
                results.append(found.data.split(b"\n")[1].decode())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert set(results) == {"version: 1.1.0"} and len(results) == 240


def test_unsorted_packed_refs_read_the_same(history: Any) -> None:
    history.git.git.pack_refs("--all")
    expected = GitStore(history.root).releases("content/hook")
    packed = history.root / ".git" / "packed-refs"
    lines = packed.read_bytes().split(b"\n")
    assert b" sorted" in lines[0]
    packed.write_bytes(b"\n".join([lines[0].replace(b" sorted", b""), *lines[1:]]))
    assert GitStore(history.root).releases("content/hook") == expected
    assert [r.version for r in expected] == ["1.0.0", "1.1.0", "2.0.0"]


def test_single_release_lookup_without_listing(history: Any) -> None:
    history.git.git.pack_refs("--all")
    history.write_prompt("content/hook", "2.1.0")
    history.commit("2.1.0")
    history.tag_release("content/hook", "2.1.0")  # loose
    expected = {
        v: history.git.git.rev_parse(f"prompts/content/hook/v{v}^{{commit}}") for v in ("1.0.0", "2.1.0")
    }
    for version, commit in expected.items():
        assert (
            GitStore(history.root).release_commit("content/hook", version) == commit
        )  # fresh store each time
        assert GitStore(history.root).release("content/hook", version).commit == commit
    for bogus in ("9.9.9", "../../HEAD", "1.0"):
        with pytest.raises(PromptNotFoundError):
            GitStore(history.root).release_commit("content/hook", bogus)


def test_huge_object_is_refused_and_reading_continues(history: Any) -> None:
    history.write("prompts/huge.j2", "x" * 5000)
    head = history.commit("huge")
    store = GitStore(history.root, max_object_bytes=4096)
    with pytest.raises(GitError, match=r"prompts/huge.j2 is 5000 bytes, over the 4096-byte limit"):
        store.read_file(head, "prompts/huge.j2")
    found = store.at(head, "prompts").read_prompt("greeting")  # the cat-file pipe is still in step
    assert found is not None and found.data.startswith(b"---\nversion: 0.1.0\n")


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        (
            "content/hok",
            "content/hok: no prompt content/hok (did you mean content/hook? prompts at HEAD: content/hook, "
            "greeting)",
        ),
        (
            "content/hook@1.1.1",
            "content/hook@1.1.1: no release matches (did you mean 1.1.0? released versions: 1.1.0, 1.0.0, "
            "2.0.0)",
        ),
        (
            "content/hook@prodution",
            "content/hook@prodution: no label 'prodution' in labels.yaml at HEAD (did you mean production? "
            "labels: production, staging)",
        ),
        (
            "greeting@staging",
            # greeting is a prompt: no suggestion of another prompt (issue 20.11)
            "greeting@staging: label 'staging' has no entry for greeting (no label has an entry for it)",
        ),
    ],
)
def test_not_found_lists_what_exists_closest_first(history: Any, selector: str, message: str) -> None:
    with pytest.raises(PromptNotFoundError) as raised:
        _resolve(GitStore(history.root), selector)
    assert str(raised.value) == message


def test_a_missing_release_lists_the_released_versions(history: Any) -> None:
    with pytest.raises(PromptNotFoundError) as raised:
        GitStore(history.root).release("content/hook", "2.0.1")
    assert str(raised.value) == (
        "content/hook@2.0.1: no such release (tag prompts/content/hook/v2.0.1; did you mean 2.0.0? "
        "released versions: 2.0.0, 1.0.0, 1.1.0)"
    )
