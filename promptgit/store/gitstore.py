"""Prompts, partials, labels and releases of a git repository, read from git objects (never checked out).

Release tags come from `packed-refs` and loose refs directly (tagrefs.py): 10,000 tags cost a few lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from promptgit.errors import GitError, LabelTagMissingError, PromptNotFoundError, did_you_mean
from promptgit.format.prompt import SUFFIX
from promptgit.store.labels import parse_labels
from promptgit.store.objects import MAX_OBJECT_BYTES, GitObjects
from promptgit.store.releases import TAG_PREFIX, Release, read_release, release_tag
from promptgit.store.selectors import VERSION_PATTERN, Selector, pick_version, sort_versions, version_key
from promptgit.store.splits import LabelEntry, Split
from promptgit.store.tagrefs import (
    HEX,
    TagRef,
    loose_tag_refs,
    packed_tag_refs,
    read_packed_refs,
    tag_refs_from_git,
    uses_reftable,
)
from promptgit.store.yanks import YANKED_FILE, Yanks, parse_yanked

__all__ = ["MAX_OBJECT_BYTES", "TAG_PREFIX", "GitStore", "Release", "release_tag"]

LABELS_FILE = "labels.yaml"
PARTIALS_DIR = "partials"
_MAX_CACHED = 256  # entries per per-commit cache before it is dropped
# entries of the per-name ref caches: names come from callers (`get("attacker/n123")` caches "no tags"),
# so past this many the cache starts again rather than growing with every name ever asked for
_MAX_NAMES = 4096


class GitStore(GitObjects):
    """Read-only access to prompts in a git repository; safe to share between threads."""

    def __init__(
        self, path: str | Path, prompts_dir: str = "prompts", *, max_object_bytes: int = MAX_OBJECT_BYTES
    ) -> None:
        super().__init__(path, max_object_bytes=max_object_bytes)
        self.prompts_dir = prompts_dir.strip("/") or "."
        self._packed: bytes | None = None
        self._tags: dict[str, dict[str, TagRef]] = {}
        self._exact: dict[tuple[str, str], TagRef | None] = {}
        self._releases: dict[tuple[str, str, str], Release] = {}
        self._labels: dict[str, dict[str, dict[str, LabelEntry]]] = {}  # by blob sha
        self._yanks: dict[str, Yanks] = {}  # by blob sha
        self._first_seen: dict[tuple[str, str], str] = {}  # release -> tag target when first served
        self._names: dict[str, list[str]] = {}  # by commit

    def prompt_path(self, name: str) -> str:
        """Path of prompt `name` from the repository root: `prompts/content/hook.j2`."""
        return self._in_prompts(f"{name}{SUFFIX}")

    def _in_prompts(self, relative: str) -> str:
        return relative if self.prompts_dir == "." else f"{self.prompts_dir}/{relative}"

    def read_prompt(self, commit: str, name: str) -> tuple[bytes, str] | None:
        """(data, blob sha) of `prompts/<name>.j2` at `commit`; None when the prompt does not exist there."""
        return self.read_file(commit, self.prompt_path(name))

    def read_partial(self, commit: str, relative: str) -> str | None:
        """Text of an include (path relative to the prompts dir) at `commit`; None if missing or not UTF-8."""
        if relative.startswith("/") or ".." in relative.split("/"):
            return None
        found = self.read_file(commit, self._in_prompts(relative))
        if found is None:
            return None
        try:
            return found[0].decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError:
            return None

    def prompt_names(self, commit: str) -> list[str]:
        """Every prompt name at `commit` (partials excluded), sorted."""
        with self._lock:
            cached = self._names.get(commit)
        if cached is not None:
            return list(cached)
        try:
            listing = self.run_git("ls-tree", "-r", "-z", "--name-only", commit, "--", f"{self.prompts_dir}/")
        except GitError as exc:
            raise GitError(f"cannot list prompts at {commit!r}: {exc}") from None
        prefix = "" if self.prompts_dir == "." else f"{self.prompts_dir}/"
        names = sorted(
            path[len(prefix) :].removesuffix(SUFFIX)
            for path in listing.split("\0")
            if path.endswith(SUFFIX)
            and path.startswith(prefix)
            and path[len(prefix) :].split("/")[0] != PARTIALS_DIR
        )
        with self._lock:
            if len(self._names) >= _MAX_CACHED:  # a long-running loader may list many commits
                self._names.clear()
            self._names[commit] = names
        return list(names)

    def worktree_names(self) -> list[str]:
        """Every prompt name in the working tree (partials excluded), sorted; for not-found messages."""
        prompts = self.root / self.prompts_dir
        found = (path.relative_to(prompts).as_posix() for path in prompts.rglob(f"*{SUFFIX}"))
        return sorted(
            relative.removesuffix(SUFFIX) for relative in found if relative.split("/")[0] != PARTIALS_DIR
        )

    def labels(self, commit: str) -> dict[str, dict[str, LabelEntry]]:
        """`prompts/labels.yaml` at `commit` as {label: {prompt: version or Split}}; {} when it is absent."""
        found = self.read_file(commit, self._in_prompts(LABELS_FILE))
        if found is None:
            return {}
        data, sha = found
        with self._lock:
            cached = self._labels.get(sha)
        if cached is None:
            cached = parse_labels(data, f"{self._in_prompts(LABELS_FILE)}@{commit[:12]}")
            with self._lock:
                if len(self._labels) >= _MAX_CACHED:
                    self._labels.clear()
                self._labels[sha] = cached
        return {label: dict(entries) for label, entries in cached.items()}

    def yanked(self, commit: str) -> Yanks:
        """`prompts/yanked.yaml` at `commit` as {prompt: {version: reason}}; {} when it is absent."""
        found = self.read_file(commit, self._in_prompts(YANKED_FILE))
        if found is None:
            return {}
        data, sha = found
        with self._lock:
            cached = self._yanks.get(sha)
        if cached is None:
            cached = parse_yanked(data, f"{self._in_prompts(YANKED_FILE)}@{commit[:12]}")
            with self._lock:
                if len(self._yanks) >= _MAX_CACHED:
                    self._yanks.clear()
                self._yanks[sha] = cached
        return cached

    def yank_reason(self, name: str, version: str, ref: str = "HEAD") -> str | None:
        """Why release `name` `version` is yanked at `ref` ('' when no reason is given); None if it is not."""
        return self.yanked(self.resolve_commit(ref)).get(name, {}).get(version)

    # --- releases -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Forget cached refs, so tags and commits made since are seen."""
        with self._lock:
            self._packed = None
            self._tags.clear()
            self._exact.clear()
            self._names.clear()
        self._check_alive()

    def _tag_refs(self, name: str) -> dict[str, TagRef]:
        with self._lock:
            cached = self._tags.get(name)
            if cached is not None:
                return cached
            refs = self._read_tag_refs(name)
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

    def _packed_refs(self) -> bytes:
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
        """Released versions of `name`, ascending by semver; read from tag refs only (no tag objects)."""
        return sort_versions(self._tag_refs(name))

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
        return ref.peeled or self.release(name, version).commit

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

    def resolve_version(self, selector: Selector, ref: str = "HEAD") -> str:
        """The released version a latest/exact/range/label selector picks; PromptNotFoundError if none.

        Labels are read from `labels.yaml` at `ref`; worktree selectors have no released version.
        """
        if selector.kind == "worktree":
            raise PromptNotFoundError(f"{selector}: the working tree is not a release")
        if selector.kind == "label":
            entry = self.label_entry(selector, ref)
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
        # an exact version is one ref read, not a listing of every release (a miss lists, for the message)
        if selector.kind == "exact" and selector.spec and self._tag_ref(selector.name, selector.spec):
            return selector.spec
        versions = list(self._tag_refs(selector.name))
        # a yanked release is skipped by the bare name and by ranges; exact pins and labels still get it
        yanked = self.yanked(self.resolve_commit(ref)).get(selector.name, {}) if versions else {}
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
            names = self.prompt_names(self.resolve_commit(ref))
            if selector.name not in names:
                listed = did_you_mean(selector.name, names, f"prompts at {ref}")
                raise PromptNotFoundError(f"{selector}: no prompt {selector.name} ({listed})")
            raise PromptNotFoundError(
                f"{selector}: no releases yet (tags {release_tag(selector.name, '<version>')}; "
                f"`promptgit release {selector.name}` makes one; "
                f"{selector.name}@worktree is the working tree)"
            )
        return picked

    def _listing(self, selector: Selector) -> str:
        versions = sort_versions(self._tag_refs(selector.name))[::-1]  # the highest first
        return did_you_mean(selector.spec or "", versions, "released versions")

    def _no_release(self, name: str, version: str) -> PromptNotFoundError:
        listed = did_you_mean(version, sort_versions(self._tag_refs(name))[::-1], "released versions")
        return PromptNotFoundError(
            f"{name}@{version}: no such release (tag {release_tag(name, version)}; {listed})"
        )

    def label_entry(self, selector: Selector, ref: str = "HEAD") -> LabelEntry:
        """What a label selector's entry in labels.yaml at `ref` says: a version or a Split (unchecked
        against the tags); PromptNotFoundError when the label or its entry for the prompt is missing."""
        labels = self.labels(self.resolve_commit(ref))
        entries = labels.get(selector.spec or "")
        if entries is None:
            raise PromptNotFoundError(
                f"{selector}: no label {selector.spec!r} in {LABELS_FILE} at {ref} "
                f"({did_you_mean(selector.spec or '', sorted(labels), 'labels')})"
            )
        entry = entries.get(selector.name)
        if entry is None:
            listed = did_you_mean(selector.name, sorted(entries), f"prompts labelled {selector.spec}")
            raise PromptNotFoundError(
                f"{selector}: label {selector.spec!r} has no entry for {selector.name} ({listed})"
            )
        return entry

    def is_released(self, name: str, version: str) -> bool:
        """True when the release tag of `name` `version` exists (one ref read)."""
        return self._tag_ref(name, version) is not None

    def highest_release(self, name: str) -> str | None:
        versions = list(self._tag_refs(name))
        return max(versions, key=version_key) if versions else None


def _bounded(cache: dict[Any, Any]) -> dict[Any, Any]:
    """`cache`, emptied first when it is full (the caller holds the store's lock)."""
    if len(cache) >= _MAX_NAMES:
        cache.clear()
    return cache
