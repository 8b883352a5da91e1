"""The prompts whose files differ between two sources: a base commit and the working tree (what a pull
request changes), or two commits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from promptgit.errors import GitError, PromptSyntaxError
from promptgit.format.interface import Change, interface_changes
from promptgit.format.prompt import PromptDocument, parse_document
from promptgit.sources.source import PromptSource
from promptgit.store.gitstore import GitStore
from promptgit.store.lineage import normalized

if TYPE_CHECKING:
    from promptgit.sources.commit import CommitSource
    from promptgit.store.workspace import Workspace

DEFAULT_BRANCHES = ("origin/HEAD", "main", "master", "origin/main", "origin/master")


@dataclass(frozen=True)
class Base:
    """The commit a change is compared with (what a pull request is judged against)."""

    commit: str | None  # None: no commits yet, every prompt is new
    label: str  # how messages name it


def resolve_base(store: GitStore, base_ref: str | None) -> Base:
    """The commit to compare with: `base_ref`, or the merge-base of HEAD with the default branch (the
    base of a pull request: `diff --changed`, the version rules, the test runner's and UI's `--base`)."""
    try:
        head = store.resolve_commit("HEAD")
    except GitError:
        head = None
    if head is None:  # unborn branch: the first commit of the repository
        if base_ref in (None, "HEAD"):
            return Base(None, "the empty repository")
        return Base(store.resolve_commit(base_ref or "HEAD"), base_ref or "HEAD")
    if base_ref is not None:
        return Base(store.resolve_commit(base_ref), base_ref)
    for candidate in DEFAULT_BRANCHES:
        try:
            branch = store.resolve_commit(candidate)
        except GitError:
            continue
        try:
            merge_base = store.run_git("merge-base", head, branch).strip()
        except GitError:
            continue
        return Base(merge_base, f"merge-base with {candidate}")
    return Base(head, "HEAD")


def base_source(workspace: Workspace, store: GitStore, base: Base) -> CommitSource | None:
    """The workspace's prompts at `base` (None for the empty repository): the other side of a comparison
    with the working tree or HEAD, read the same way, differing only in its commit."""
    return workspace.at_commit(store, base.commit, base.label) if base.commit is not None else None


@dataclass(frozen=True)
class PromptChange:
    """One prompt changed since the base: its bytes before (None: added) and now (None: removed)."""

    name: str
    path: str  # as shown, from the repository root
    before: bytes | None
    after: bytes | None

    def document(self, data: bytes | None) -> PromptDocument | None:
        if data is None:
            return None
        try:
            return parse_document(self.name, self.path, data)
        except PromptSyntaxError:
            return None  # the validator reports it

    def version(self, data: bytes | None) -> str:
        document = self.document(data)
        return document.version if document is not None else "?"

    def interface(self) -> list[Change]:
        """Interface changes from the base to now ([] for an added, removed or unparsable prompt)."""
        old, new = self.document(self.before), self.document(self.after)
        return interface_changes(old, new) if old is not None and new is not None else []


def changed_prompts(base: PromptSource | None, current: PromptSource) -> list[PromptChange]:
    """Every prompt added, removed or changed (CRLF aside) from `base` (None: nothing before, as in an
    empty repository) to `current`: the working tree against a commit, or one commit against another."""
    now = set(current.names())
    before_names = set(base.names()) if base is not None else set()
    changes = []
    for name in sorted(before_names | now):
        before = base.read_prompt(name) if base is not None and name in before_names else None
        after = current.read_prompt(name) if name in now else None
        if before is not None and after is not None and normalized(before.data) == normalized(after.data):
            continue
        path = (after or before).path  # type: ignore[union-attr]  # one of them is there
        changes.append(
            PromptChange(name, path, before.data if before else None, after.data if after else None)
        )
    return changes
