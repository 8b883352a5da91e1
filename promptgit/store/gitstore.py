"""Releases and labels of a git repository, read from refs and git objects (never checked out).

Release tags come from `packed-refs` and loose refs directly (tagrefs.py): a prompt's releases cost a few
lines read, however many tags the repository has. Prompt files are read through sources (`at(commit)`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from promptgit.errors import GitError, LabelTagMissingError, PromptNotFoundError, did_you_mean
from promptgit.sources.commit import CommitSource
from promptgit.sources.git_objects import MAX_OBJECT_BYTES, GitObjects
from promptgit.sources.source import LABELS_FILE, PromptSource, SourceFile
from promptgit.store.labels_file import parse_labels
from promptgit.store.releases import TAG_PREFIX, Release, read_release, release_tag
from promptgit.store.selectors import VERSION_PATTERN, Selector, pick_version, sort_versions, version_key
from promptgit.store.tagrefs import (
    HEX,
    PackedRefs,
    TagRef,
    loose_tag_refs,
    packed_tag_refs,
    read_packed_refs,
    tag_refs_from_git,
    uses_reftable,
)
from promptgit.store.traffic_split import LabelEntry, Split
from promptgit.store.yanks import YANKED_FILE, Yanks, parse_yanked

__all__ = ["MAX_OBJECT_BYTES", "TAG_PREFIX", "GitStore", "Release", "release_tag"]

_MAX_CACHED = 256  # parsed labels files kept (by blob sha) before the cache starts again
# entries of the per-name ref caches: names come from callers (`get("attacker/n123")` caches "no tags"),
# so past this many the cache starts again rather than growing with every name ever asked for
_MAX_NAMES = 4096

Labels = dict[str, dict[str, LabelEntry]]


class GitStore(GitObjects):
    """Releases (tags) and labels of a git repository, over its object reader; safe to share between threads.

    Prompt files are not read here: `at(commit, prompts_dir)` is the source (sources.CommitSource) of a
    commit's prompts, and the labels of any source are parsed by `labels(source)`.
    """

    def __init__(self, path: str | Path, *, max_object_bytes: int = MAX_OBJECT_BYTES) -> None:
        super().__init__(path, max_object_bytes=max_object_bytes)
        self._packed: PackedRefs | None = None
        self._tags: dict[str, dict[str, TagRef]] = {}
        self._exact: dict[tuple[str, str], TagRef | None] = {}
        self._releases: dict[tuple[str, str, str], Release] = {}
        self._peeled: dict[str, str] = {}  # tag object -> its commit
        self._labels: dict[str, Labels] = {}  # by blob sha
        self._yanks: dict[str, Yanks] = {}  # by blob sha
        self._yanks_at: dict[tuple[str, str], Yanks] = {}  # by (commit, path of the yanked file)
        self._first_seen: dict[tuple[str, str], str] = {}  # release -> tag target when first served

    def at(
        self, commit: str, prompts_dir: str, *, max_file_bytes: int | None = None, label: str | None = None
    ) -> CommitSource:
        """The prompts of `commit` (a full sha) under `prompts_dir` (from the repository root)."""
        if max_file_bytes is None:
            return CommitSource(self, commit, prompts_dir, label=label)
        return CommitSource(self, commit, prompts_dir, max_file_bytes=max_file_bytes, label=label)

    def labels(self, source: PromptSource) -> Labels:
        """The labels file of `source` as {label: {prompt: version or Split}}; {} when it has none.

        One read of the file; parsed once per distinct content (blob sha), whatever the source."""
        return {label: dict(entries) for label, entries in self._parsed_labels(source).items()}

    def _parsed_labels(self, source: PromptSource) -> Labels:
        """The cached parse (shared: never changed by callers here)."""
        found = source.read_labels()
        if found is None:
            return {}
        with self._lock:
            cached = self._labels.get(found.blob_sha)
        if cached is None:
            where = found.path if source.commit is None else f"{found.path}@{source.commit[:12]}"
            cached = parse_labels(found.data, where)
            with self._lock:
                if len(self._labels) >= _MAX_CACHED:
                    self._labels.clear()
                self._labels[found.blob_sha] = cached
        return cached

    def yanked(self, source: PromptSource) -> Yanks:
        """The yanked file of `source` as {prompt: {version: reason}}; {} when it has none.

        A commit's answer is kept by commit (immutable): a label resolved again at the same commit costs
        no read, even when the file is absent (a missing path costs tree reads)."""
        commit = source.commit
        if commit is not None:
            with self._lock:
                known = self._yanks_at.get((commit, source.path_of(YANKED_FILE)))
            if known is not None:
                return known
        found = source.read_file(YANKED_FILE)
        yanks = self._parsed_yanks(source, found)
        if commit is not None:
            with self._lock:
                _bounded(self._yanks_at)[(commit, source.path_of(YANKED_FILE))] = yanks
        return yanks

    def _parsed_yanks(self, source: PromptSource, found: SourceFile | None) -> Yanks:
        if found is None:
            return {}
        with self._lock:
            cached = self._yanks.get(found.blob_sha)
        if cached is None:
            where = found.path if source.commit is None else f"{found.path}@{source.commit[:12]}"
            cached = parse_yanked(found.data, where)
            with self._lock:
                if len(self._yanks) >= _MAX_CACHED:
                    self._yanks.clear()
                self._yanks[found.blob_sha] = cached
        return cached

    def yank_reason(self, name: str, version: str, source: PromptSource) -> str | None:
        """Why release `name` `version` is yanked in `source` ('' when no reason is given); None if not."""
        return self.yanked(source).get(name, {}).get(version)

    # --- releases -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Forget cached refs, so tags and commits made since are seen."""
        with self._lock:
            self._packed = None
            self._tags.clear()
            self._exact.clear()
        self._check_alive()

    def _tag_refs(self, name: str) -> dict[str, TagRef]:
        with self._lock:
            cached = self._tags.get(name)
            if cached is not None:
                return cached
            refs = _ListedRefs(self._read_tag_refs(name))
            _bounded(self._tags)[name] = refs
            return refs

    def _tag_ref(self, name: str, version: str) -> TagRef | None:
        """One release's ref, without listing every release of `name` when they are not cached yet."""
        if not VERSION_PATTERN.match(version):
            return None
        with self._lock:
            listed = self._tags.get(name)
            if listed is not None:
                return listed.get(version)
            if (name, version) in self._exact:
                return self._exact[(name, version)]
            if uses_reftable(self._common_dir):
                return self._tag_refs(name).get(version)
            refname = f"refs/tags/{release_tag(name, version)}"
            found: TagRef | None = None
            try:
                target = (self._common_dir / refname).read_bytes().strip()  # a loose ref wins, as in git
                found = TagRef(target.decode(), None) if HEX.match(target) else None
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                found = packed_tag_refs(self._packed_refs(), refname.encode()).get("")
            except OSError as exc:
                raise GitError(f"{self.root}: cannot read {refname}: {exc.strerror}") from None
            _bounded(self._exact)[(name, version)] = found
            return found

    def _tag_ref_now(self, name: str, version: str) -> TagRef | None:
        """`_tag_ref` from the refs as they are now, not as cached."""
        with self._lock:
            self._packed = None
            self._tags.pop(name, None)
            self._exact.pop((name, version), None)
            return self._tag_ref(name, version)

    def _packed_refs(self) -> PackedRefs:
        if self._packed is None:
            self._packed = read_packed_refs(self._common_dir)
        return self._packed

    def _read_tag_refs(self, name: str) -> dict[str, TagRef]:
        """version -> ref, from packed-refs then the loose refs (which win, as in git)."""
        prefix = f"refs/tags/{TAG_PREFIX}{name}/v"
        if uses_reftable(self._common_dir):
            return tag_refs_from_git(self.run_git, prefix)
        refs = packed_tag_refs(self._packed_refs(), prefix.encode())
        refs.update(loose_tag_refs(self._common_dir / prefix.rpartition("/")[0]))  # loose refs win, as in git
        return {version: ref for version, ref in refs.items() if VERSION_PATTERN.match(version)}

    def release_versions(self, name: str) -> list[str]:
        """Released versions of `name`, ascending by semver; read from tag refs only (no tag objects).

        Sorted once per listing of the refs (kept with the listing): the version rules ask several
        times per prompt."""
        refs = self._tag_refs(name)
        if isinstance(refs, _ListedRefs):
            if refs.ascending is None:
                refs.ascending = tuple(sort_versions(refs))
            return list(refs.ascending)
        return sort_versions(refs)

    def release(self, name: str, version: str) -> Release:
        """The release `name@version`, with its commit, date and message; PromptNotFoundError when absent."""
        ref = self._tag_ref(name, version)
        if ref is None:
            raise self._no_release(name, version)
        key = (name, version, ref.target)  # keyed by the tag object too: a refresh may see a replaced tag
        with self._lock:
            cached = self._releases.get(key)
        if cached is None:
            cached = self._load_release(name, version, ref)
            with self._lock:
                _bounded(self._releases)[key] = cached
        return cached

    def release_commit(self, name: str, version: str) -> str:
        """The commit of a release, from packed-refs' peeled line when there is one (no object read).
        GitError when the tag was moved since this store first served it (see `_first_seen`)."""
        ref = self._tag_ref(name, version)
        if ref is None:
            raise self._no_release(name, version)
        self._check_not_moved(name, version, ref)
        return ref.peeled or self._peel(name, version, ref.target)

    def _peel(self, name: str, version: str, target: str) -> str:
        """The commit a tag object (or chain of them) points at: one object read, then cached."""
        with self._lock:
            cached = self._peeled.get(target)
        if cached is not None:
            return cached
        found = self._object(f"{target}^{{commit}}")
        if found is None:
            self._check_alive()
            tag = release_tag(name, version)
            raise GitError(f"{self.root}: tag {tag} does not point at a readable commit ({target[:12]})")
        with self._lock:
            _bounded(self._peeled)[target] = found[0]
        return found[0]

    def _check_not_moved(self, name: str, version: str, ref: TagRef) -> None:
        """Releases are immutable: the tag's target is recorded the first time this store serves it, and a
        later read that finds another target (a force-moved tag) is an error, not a new release. A new
        process has no record: the pre-push hook refuses moving a pushed tag (docs/versions.md)."""
        key = (name, version)
        with self._lock:
            first = self._first_seen.get(key)
            if first is None:
                if len(self._first_seen) >= _MAX_NAMES:
                    self._first_seen.clear()
                self._first_seen[key] = ref.target
                return
        if first != ref.target:
            raise GitError(
                f"{name}@{version}: tag {release_tag(name, version)} was moved: it pointed at {first[:12]} "
                f"when first served, now at {ref.target[:12]}; releases are immutable; release a new version "
                "instead"
            )

    def _load_release(self, name: str, version: str, ref: TagRef) -> Release:
        return read_release(name, version, ref.target, self._object, self.root)

    def releases(self, name: str) -> list[Release]:
        """Every release of `name`, ascending by semver, with dates and tag messages."""
        return [self.release(name, version) for version in self.release_versions(name)]

    def resolve_version(self, selector: Selector, source: PromptSource) -> str:
        """The released version a latest/exact/range/label selector picks; PromptNotFoundError if none.

        Labels are read from the labels file of `source` (the commit at the ref, usually); its names
        serve the not-found message. Worktree selectors have no released version.
        """
        if selector.kind == "worktree":
            raise PromptNotFoundError(f"{selector}: the working tree is not a release")
        if selector.kind == "label":
            return self.labelled_version(selector, self.label_entry(selector, source))
        # an exact version is one ref read, not a listing of every release (a miss lists, for the message)
        if selector.kind == "exact" and selector.spec and self._tag_ref(selector.name, selector.spec):
            return selector.spec
        versions = list(self._tag_refs(selector.name))
        # a yanked release is skipped by the bare name and by ranges; exact pins and labels still get it
        yanked = self.yanked(source).get(selector.name, {}) if versions else {}
        picked = pick_version(selector, [version for version in versions if version not in yanked])
        if picked is None:
            skipped = [version for version in sort_versions(yanked) if pick_version(selector, [version])]
            if skipped:
                listed = ", ".join(skipped)
                raise PromptNotFoundError(
                    f"{selector}: no release matches ({listed} {'is' if len(skipped) == 1 else 'are'} "
                    f"yanked; pin {selector.name}@{skipped[-1]} to use it anyway)"
                )
            if versions:
                raise PromptNotFoundError(f"{selector}: no release matches ({self._listing(selector)})")
            names = source.names()
            if selector.name not in names:
                listed = did_you_mean(selector.name, names, f"prompts at {source.describe()}")
                raise PromptNotFoundError(f"{selector}: no prompt {selector.name} ({listed})")
            raise PromptNotFoundError(
                f"{selector}: no releases yet (tags {release_tag(selector.name, '<version>')}; "
                f"`promptgit release {selector.name}` makes one; "
                f"{selector.name}@worktree is the working tree)"
            )
        return picked

    def labelled_version(self, selector: Selector, entry: LabelEntry) -> str:
        """The version a label's entry names, checked against the tags; PromptNotFoundError for a split
        (which names several) or a version that is not released."""
        if isinstance(entry, Split):
            raise PromptNotFoundError(
                f"{selector}: label {selector.spec!r} splits traffic {entry}; name one version "
                f"({selector.name}@VERSION), or load it with promptgit.Repository"
            )
        # labels were read just now, tag refs may be cached from before the release the label names
        # was tagged: read the refs again before saying "not released" (one consistent snapshot: tags
        # read after the labels that name them, as releases are tagged before they are labelled)
        if (self._tag_ref(selector.name, entry) or self._tag_ref_now(selector.name, entry)) is None:
            raise LabelTagMissingError(
                f"{selector}: label points at {entry}, which is not released "
                f"(no tag {release_tag(selector.name, entry)})",
                label=selector.spec or "",
                name=selector.name,
                version=entry,
            )
        return entry

    def _listing(self, selector: Selector) -> str:
        versions = sort_versions(self._tag_refs(selector.name))[::-1]  # the highest first
        return did_you_mean(selector.spec or "", versions, "released versions")

    def _no_release(self, name: str, version: str) -> PromptNotFoundError:
        listed = did_you_mean(version, sort_versions(self._tag_refs(name))[::-1], "released versions")
        return PromptNotFoundError(
            f"{name}@{version}: no such release (tag {release_tag(name, version)}; {listed})"
        )

    def label_entry(self, selector: Selector, source: PromptSource) -> LabelEntry:
        """What a label selector's entry in the labels file of `source` says: a version or a Split
        (unchecked against the tags); PromptNotFoundError when the label or its entry is missing."""
        labels = self._parsed_labels(source)
        entries = labels.get(selector.spec or "")
        if entries is None:
            raise PromptNotFoundError(
                f"{selector}: no label {selector.spec!r} in {LABELS_FILE} at {source.describe()} "
                f"({did_you_mean(selector.spec or '', sorted(labels), 'labels')})"
            )
        entry = entries.get(selector.name)
        if entry is None:
            raise PromptNotFoundError(
                f"{selector}: label {selector.spec!r} has no entry for {selector.name} "
                f"({self._where_else(selector, labels, source)})"
            )
        return entry

    def _where_else(self, selector: Selector, labels: Labels, source: PromptSource) -> str:
        """The tail of a missing-entry message. A prompt that exists gets the labels that do have it: a
        service echoes this message to its clients, and "did you mean <another prompt>?" is noise there.
        Only a name that is no prompt (a typo) gets a suggestion; the prompt names are read for it alone."""
        having = [label for label, entries in sorted(labels.items()) if selector.name in entries]
        if having:  # wanted "": nothing is close, only the bounded listing
            return did_you_mean("", having, f"labels with an entry for {selector.name}")
        if selector.name in source.names():
            return "no label has an entry for it"
        entries = sorted(labels.get(selector.spec or "", {}))
        return did_you_mean(selector.name, entries, f"prompts labelled {selector.spec}")

    def has_release_tags(self) -> bool:
        """Whether the repository has any release tag, read from the ref files (no git process; git is
        asked only in a reftable repository)."""
        if uses_reftable(self._common_dir):
            prefix = f"refs/tags/{TAG_PREFIX}"
            return bool(self.run_git("for-each-ref", "--count=1", "--format=%(refname)", prefix).strip())
        for _parent, _directories, files in os.walk(self._common_dir / "refs" / "tags" / TAG_PREFIX):
            if files:
                return True
        with self._lock:
            packed = self._packed_refs()
        return packed.find(f" refs/tags/{TAG_PREFIX}".encode()) >= 0

    def is_released(self, name: str, version: str) -> bool:
        """True when the release tag of `name` `version` exists (one ref read)."""
        return self._tag_ref(name, version) is not None

    def highest_release(self, name: str) -> str | None:
        versions = list(self._tag_refs(name))
        return max(versions, key=version_key) if versions else None


class _ListedRefs(dict[str, TagRef]):
    """One listing of a prompt's tag refs, with its versions sorted the first time they are asked for."""

    ascending: tuple[str, ...] | None = None


def _bounded(cache: dict[Any, Any]) -> dict[Any, Any]:
    """`cache`, emptied first when it is full (the caller holds the store's lock)."""
    if len(cache) >= _MAX_NAMES:
        cache.clear()
    return cache
