"""`BundleSource`: the prompts of one commit held by a bundle (sources.PromptSource over its members).

A bundle holds, per commit, only what it needs: at a release's tagged commit the prompt file and the
partials it includes; at the built commit the labels file and the names of every prompt. Blob shas come
from the manifest and were checked with `git_blob_sha` when the bundle was read, so compiled templates,
response-cache keys and cassettes agree with the git-backed sources.
"""

from __future__ import annotations

from promptgit.bundles.bundle_file import Bundle
from promptgit.format.prompt import SUFFIX
from promptgit.sources.source import BlobSource, SourceFile, is_prompt_path


class BundleSource(BlobSource):
    """The files `bundle` holds for `commit`; immutable, safe to share."""

    def __init__(
        self, bundle: Bundle, commit: str, *, max_file_bytes: int | None = None, label: str | None = None
    ) -> None:
        self.bundle = bundle
        self.commit: str = commit
        self.prompts_dir = bundle.prompts_dir
        self.max_file_bytes = bundle.max_file_bytes if max_file_bytes is None else max_file_bytes
        self.label = label
        self._files = bundle.files.get(commit, {})

    def describe(self) -> str:
        return self.label or self.commit[:12]

    def names(self) -> list[str]:
        if self.commit == self.bundle.commit:
            return list(self.bundle.names)
        return sorted(path.removesuffix(SUFFIX) for path in self._files if is_prompt_path(path))

    def relative_paths(self) -> list[str]:
        """The files the bundle holds for this commit (a release's prompt and partials; the labels file)."""
        return sorted(self._files)

    def _read(self, relative: str, max_bytes: int | None = None) -> SourceFile | None:
        sha = self._files.get(relative)
        if sha is None:
            return None
        path = self.path_of(relative)
        return SourceFile(path, self._bounded(path, self.bundle.blob(sha), max_bytes), sha)
