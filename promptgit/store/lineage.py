"""Which release a prompt's working copy is judged against, and what version its change needs.

A release tag is the immutable point; commits between releases are work in progress. The release a prompt
is judged against is its highest release reachable from HEAD (so a maintenance branch of 1.x is judged
against 1.x, not against a 2.0.0 released on main); when none is reachable (a branch made before the first
release was tagged), its highest release anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from promptgit.errors import GitError, PromptSyntaxError
from promptgit.format.interface import Change, Level, describe, level_needed
from promptgit.format.prompt import PromptDocument, parse_document
from promptgit.sources.commit import CommitSource
from promptgit.sources.git_objects import common_dir
from promptgit.sources.source import SourceFile
from promptgit.store.gitstore import TAG_PREFIX, GitStore
from promptgit.store.releasing import Part
from promptgit.store.selectors import VERSION_PATTERN, version_key
from promptgit.store.workspace import Workspace

_NO_TAGS_OPTION = "--no-tags"


@dataclass(frozen=True)
class Judgement:
    """A working copy against its last release: the change's level and the lowest version that covers it."""

    released: str  # the last release's version
    level: Level | None  # None: identical to the release
    changes: list[Change]
    needed: str  # the lowest version that may carry the change
    summary: str  # `input 'tone' removed: breaking`, `body changed: patch`

    def covered_by(self, version: str) -> bool:
        return self.level is None or covers(version, self.needed)


class ReleaseLines:
    """The releases reachable from HEAD, listed once per run (one `git for-each-ref --merged`), and the
    released files of the workspace's prompts (read from their tagged commits)."""

    def __init__(self, workspace: Workspace, store: GitStore) -> None:
        self.workspace = workspace
        self.store = store
        self._reachable: dict[str, list[str]] | None = None

    def release_source(self, name: str, version: str) -> CommitSource:
        """The prompts of the commit release `version` of `name` tagged."""
        return self.workspace.at_commit(self.store, self.store.release_commit(name, version))

    def release_file(self, name: str, version: str) -> SourceFile | None:
        """Prompt `name` as released at `version` (its tagged commit); None when the commit lacks it."""
        return self.release_source(name, version).read_prompt(name)

    def last_release(self, name: str) -> str | None:
        released = self.store.release_versions(name)
        if not released:
            return None
        reachable = self._reachable_releases().get(name)
        return max(reachable or released, key=version_key)

    def _reachable_releases(self) -> dict[str, list[str]]:
        if self._reachable is None:
            self._reachable = {}
            try:
                listing = self.store.run_git(
                    "for-each-ref", "--merged=HEAD", "--format=%(refname)", f"refs/tags/{TAG_PREFIX}"
                )
            except GitError:  # an unborn HEAD: nothing is reachable
                listing = ""
            for refname in listing.splitlines():
                name, _, version = refname.removeprefix(f"refs/tags/{TAG_PREFIX}").rpartition("/v")
                if name and VERSION_PATTERN.match(version):
                    self._reachable.setdefault(name, []).append(version)
        return self._reachable

    def judge(self, name: str, document: PromptDocument, data: bytes) -> Judgement | None:
        """`document` (the working copy, bytes `data`) against its last release; None when never released."""
        released = self.last_release(name)
        if released is None:
            return None
        found = self.release_file(name, released)
        before = found.data if found is not None else b""
        if normalized(before) == normalized(data):
            return Judgement(released, None, [], released, "unchanged")
        try:
            old = parse_document(name, document.path, before)
        except PromptSyntaxError:
            return Judgement(released, "patch", [], needed_version(released, "patch"), "file changed: patch")
        level, changes = level_needed(old, document)
        return Judgement(
            released, level, changes, needed_version(released, level), describe(changes, old, document)
        )


def needed_version(released: str, level: Level) -> str:
    """The lowest version after `released` that a change of `level` may carry.

    0.x follows semver's rule that anything may change before 1.0.0, as Cargo reads it: a breaking change
    needs a minor bump (0.3.1 -> 0.4.0), anything else a patch. A pre-release may be followed by any
    higher version, so the next pre-release or its release is enough.
    """
    core, _, prerelease = released.partition("+")[0].partition("-")
    major, minor, patch = (int(part) for part in core.split("."))
    if prerelease:
        return core  # 2.0.0-rc.1 -> 2.0.0 (and 2.0.0-rc.2, above the release candidate, is enough too)
    if major == 0:
        level = "minor" if level == "major" else "patch"
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def covers(version: str, needed: str) -> bool:
    """Whether `version` is at or above `needed`; a pre-release of `needed` counts (2.0.0-rc.1 for 2.0.0)."""
    return version_key(version)[:3] >= version_key(needed)[:3]


def part_to_reach(version: str, needed: str) -> Part:
    """The bump of `version` that gives `needed` (the version is below it and at or above its release)."""
    have, want = version_key(version)[:3], version_key(needed)[:3]
    if want[0] > have[0]:
        return "major"
    if want[1] > have[1]:
        return "minor"
    return "patch"


def missing_tags_reason(store: GitStore, labelled: bool) -> str | None:
    """Why this clone probably lacks release tags, when it has none at all; None when it has some.

    A repository that was never released has no tags either, so no tags alone proves nothing: a shallow
    clone (what actions/checkout makes by default, without tags), a clone made with `--no-tags`, or a
    committed labels file naming versions (labels only point at releases) tells a clone without its tags.
    """
    tags = store.run_git("for-each-ref", "--count=1", "--format=%(refname)", f"refs/tags/{TAG_PREFIX}")
    if tags.strip():
        return None
    if (store.git_dir / "shallow").exists() or (common_dir(store.git_dir) / "shallow").exists():
        return "this clone is shallow; fetch the history and tags: git fetch --unshallow --tags"
    try:
        options = store.run_git("config", "--get-regexp", r"^remote\..*\.tagopt$")
    except GitError:  # no such setting: git config exits 1
        options = ""
    if _NO_TAGS_OPTION in options.split():
        return "this clone was made with --no-tags; fetch them: git fetch --tags"
    if labelled:
        return (
            "the committed labels.yaml names versions, which only releases have; fetch them: git fetch --tags"
        )
    return None


def normalized(data: bytes) -> bytes:
    # a checkout with core.autocrlf has CRLF where the blob has LF: the same content
    return data.replace(b"\r\n", b"\n")
