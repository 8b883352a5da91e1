"""`BundleStore`: what the loader asks of git (releases, labels, files by commit), answered by a bundle.

It is a `GitStore` whose refs and objects come from the bundle's manifest: the selection logic (labels,
ranges, latest, the not-found messages) is GitStore's own, so a Repository over a bundle answers exactly
what the Repository over git answers, with no git binary and no GitPython.

A bundle file that changes on disk is read again on the loader's next refresh (`refresh()`, called when a
label, range or latest selector's TTL runs out), like a label moved in git. A new file that cannot be read
or checked (a torn copy, a flipped byte, a missing or wrong signature) is refused and the last good bundle
keeps serving (OPA's rule); `last_error` says why, and the same file is not checked again until it changes.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from promptgit.bundles.bundle_file import Bundle, read_bundle
from promptgit.bundles.bundle_source import BundleSource
from promptgit.config import CONFIG_FILE
from promptgit.errors import BundleError
from promptgit.sources.source import in_prompts_dir
from promptgit.store.gitstore import GitStore
from promptgit.store.releases import Release, release_tag
from promptgit.store.tagrefs import TagRef

log = logging.getLogger("promptgit.loader")

FileStamp = tuple[int, int, int]  # inode, size, mtime in ns: a replaced or rewritten file differs


class BundleStore(GitStore):
    """Releases and labels of the bundle at `path`, checked with `public_key` when given (an Ed25519
    public key: every bundle read, the first and each reload, must carry a valid signature by it)."""

    def __init__(self, path: str | os.PathLike[str], public_key: Any = None) -> None:
        # not GitStore.__init__: there is no repository to find, only the caches its logic uses
        self.root = Path(path)
        self.path = str(path)
        self.public_key = public_key
        self._lock = threading.RLock()
        self._labels = {}
        self._yanks = {}  # the yanked file (a bundle holds none: nothing is yanked), as GitStore caches it
        self._yanks_at = {}
        self._first_seen = {}
        self._stamp = _stamp(self.path)
        self.bundle: Bundle = read_bundle(self.path, public_key)
        self.loaded_at = time.time()  # wall clock of the last good read, for readiness
        self.last_error: str | None = None
        self._refused: FileStamp | None = None

    # --- the bundle on disk ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the file again when it changed on disk; keep the last good bundle when the new one is bad."""
        try:
            stamp = _stamp(self.path)
        except BundleError as exc:
            self._refuse(None, str(exc))
            return
        if stamp == self._stamp or stamp == self._refused:
            return
        try:
            bundle = read_bundle(self.path, self.public_key)
        except BundleError as exc:
            self._refuse(stamp, str(exc))
            return
        with self._lock:
            self.bundle, self._stamp, self._refused = bundle, stamp, None
            self.loaded_at = time.time()
            self.last_error = None
        log.info("promptgit: bundle %s reloaded at commit %s", self.path, bundle.commit[:12])

    def _refuse(self, stamp: FileStamp | None, reason: str) -> None:
        if reason != self.last_error:
            log.warning("promptgit: new bundle refused, the last good one keeps serving: %s", reason)
        self._refused, self.last_error = stamp, reason

    # --- what GitStore reads from git, read from the bundle -----------------------------------------------
    def at(  # type: ignore[override]  # a PromptSource like CommitSource; the loader reads only that
        self, commit: str, prompts_dir: str, *, max_file_bytes: int | None = None, label: str | None = None
    ) -> BundleSource:
        return BundleSource(self.bundle, commit, max_file_bytes=max_file_bytes, label=label)

    def resolve_commit(self, ref: str = "HEAD") -> str:
        return self.bundle.commit  # a bundle is one commit, whatever ref it was built from

    def read_file(self, commit: str, path: str) -> tuple[bytes, str] | None:
        bundle = self.bundle
        if path == CONFIG_FILE and commit == bundle.commit:
            sha = bundle.config_sha
        else:
            prefix = in_prompts_dir(bundle.prompts_dir, "")
            inside = path.startswith(prefix)
            sha = bundle.files.get(commit, {}).get(path.removeprefix(prefix)) if inside else None
        return None if sha is None else (bundle.blob(sha), sha)

    def _tag_refs(self, name: str) -> dict[str, TagRef]:
        return {
            version: TagRef(release.commit, release.commit)
            for version, release in self.bundle.releases.get(name, {}).items()
        }

    def _tag_ref(self, name: str, version: str) -> TagRef | None:
        release = self.bundle.releases.get(name, {}).get(version)
        return None if release is None else TagRef(release.commit, release.commit)

    def _tag_ref_now(self, name: str, version: str) -> TagRef | None:
        return self._tag_ref(name, version)

    def release(self, name: str, version: str) -> Release:
        ref = self._tag_ref(name, version)
        if ref is None:
            raise self._no_release(name, version)
        return Release(name=name, version=version, tag=release_tag(name, version), commit=ref.target)

    def run_git(self, *args: str) -> str:
        raise BundleError(f"{self.path}: a bundle has no git repository (git {' '.join(args[:1])})")

    def _check_alive(self) -> None:
        pass  # the bundle in memory is always readable

    def close(self) -> None:
        pass  # nothing held open: the file is read whole

    def __repr__(self) -> str:
        return f"BundleStore({self.path!r}, commit={self.bundle.commit[:12]})"


def _stamp(path: str) -> FileStamp:
    try:
        info = os.stat(path)
    except OSError as exc:
        raise BundleError(f"{path}: cannot read bundle: {exc.strerror or exc}") from None
    return (info.st_ino, info.st_size, info.st_mtime_ns)
