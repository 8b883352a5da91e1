"""`PromptSource`: one snapshot of a prompts directory, wherever its files come from.

Everything that reads prompt files reads them through a source: the loader, `render`, `show`, `diff`,
`tokens --base`, the version rules and the hooks (and, built on the same protocol, the test runner, the
server and the UI). A source answers four questions about one snapshot, and nothing else:

- `names()`: every prompt name in it (partials excluded), sorted;
- `read_prompt(name)`: the file of prompt `name` with its blob identity (`SourceFile`), or None;
- `read_partial(relative)`: the text of an include, relative to the prompts directory, or None;
- `read_labels()`: the labels file (`SourceFile`), or None;
- `read_file(relative, max_bytes)` and `relative_paths()`: any file of the snapshot (a tests file, a
  cassette), contained and bounded the same way, and every file's path relative to the prompts directory.

Reads are contained and bounded: a name or include path that would leave the prompts directory (`..`,
an absolute path, a NUL) is absent, never read; a symlink out of the prompts directory is refused (the
working tree) or never followed (git trees); a prompt, partial or labels file over `max_file_bytes` is a
PG104 `PromptSyntaxError` naming the file, so a hostile repository cannot make a reader load a huge blob.

The blob identity is git's object id of the bytes (`git_blob_sha`), computed the git way by sources that
are not git, so the same file has the same identity whether it came from a commit, the working tree or a
bundle: caches keyed by it (compiled templates, the response cache, test cassettes) agree across sources.

Implementations:
- `CommitSource` (sources/commit.py): the tree of one git commit, read through the persistent
  `git cat-file --batch` reader (sources/git_objects.py); immutable, so `commit` is set and callers may
  cache what they derive from it by (commit, blob sha).
- `WorktreeSource` (sources/worktree.py): the files on disk now; `commit` is None (it changes under you:
  derive nothing that outlives the call).

Coming next, built on this protocol:
- a bundle file read with no git binary (issue 24, `Repository.from_bundle(FILE)`): one deterministic
  file holding, per released commit, the prompt blobs and partials of that commit, and the labels file of
  the commit it was built from. A bundle yields one source per commit it holds (`commit` set, blob shas
  taken from its manifest and checked with `git_blob_sha`), so the loader's caches work unchanged; it
  needs no git objects, only the `SourceFile`s. What the loader asks GitStore besides files (release
  versions and the commit each release tagged, from refs) the bundle answers from its manifest: the
  loader's Repository reads files only through sources (`_at(commit)`, `_head()`), so swapping the
  store for the bundle's index is the whole change.
- "the same prompts at the base of a pull request" (the test runner's and the UI's `--base REF`): a
  `CommitSource` at the merge-base (or the given ref), opened with the same `GitStore` as HEAD's, so both
  sides of a comparison are read the same way and differ only in their commit: `store.changes`'
  `resolve_base` picks the commit and `base_source` opens it; `changed_prompts(base, current)` compares
  any two sources. `describe` says which side a message is about (the base ref as given).
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

from promptgit.config import Config
from promptgit.errors import ObjectTooLargeError, PromptSyntaxError
from promptgit.format.prompt import SUFFIX

if TYPE_CHECKING:
    from promptgit.format.prompt import Prompt, PromptDocument

PARTIALS_DIR = "partials"  # templates included by prompts; never prompts themselves
LABELS_FILE = "labels.yaml"  # label -> {prompt name: version or split}, in the prompts directory
DEFAULT_MAX_FILE_BYTES = Config().max_file_bytes  # promptgit.yaml's bound, when a caller gives none


def git_blob_sha(data: bytes) -> str:
    """Git's object id of a blob holding `data` (SHA-1 of `blob <size>\\0<data>`), as `git hash-object`."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def is_contained(relative: str) -> bool:
    """Whether `relative` names a file inside the directory it is relative to: no absolute path, no `..`
    part, no empty part, no NUL or line break (which would forge a second request to a git pipe)."""
    if not relative or relative.startswith("/") or any(ch in relative for ch in "\0\n\r"):
        return False
    return all(part not in ("", ".", "..") for part in relative.split("/"))


def in_prompts_dir(prompts_dir: str, relative: str) -> str:
    """`relative` (to the prompts directory) from the repository root: `prompts/content/hook.j2`."""
    return relative if prompts_dir == "." else f"{prompts_dir}/{relative}"


def is_prompt_path(relative: str) -> bool:
    """Whether a path relative to the prompts directory is a prompt file (a .j2 outside partials/)."""
    return relative.endswith(SUFFIX) and relative.split("/")[0] != PARTIALS_DIR


@dataclass(frozen=True)
class SourceFile:
    """One file read from a source: where it is, its bytes, and git's object id of those bytes."""

    path: str  # from the repository root, as every message shows it: prompts/content/hook.j2
    data: bytes
    blob_sha: str


class PromptSource(ABC):
    """One snapshot of a prompts directory (see the module docstring for the contract)."""

    prompts_dir: str  # the prompts directory from the repository root ("." for the root itself)
    commit: str | None  # the commit the snapshot is, or None when it can change (the working tree)
    max_file_bytes: int

    @abstractmethod
    def names(self) -> list[str]:
        """Every prompt name in the snapshot (partials excluded), sorted."""

    @abstractmethod
    def read_prompt(self, name: str) -> SourceFile | None:
        """The file of prompt `name`; None when the snapshot has no such prompt (or the name would leave
        the prompts directory). PromptSyntaxError (PG104, PG106) for a file that is refused."""

    @abstractmethod
    def read_partial(self, relative: str) -> str | None:
        """The UTF-8 text of an include (path relative to the prompts directory), for the Jinja loader;
        None when it is missing, outside the prompts directory, over the size bound or not UTF-8."""

    @abstractmethod
    def read_labels(self) -> SourceFile | None:
        """The labels file; None when the snapshot has none. PromptSyntaxError (PG104) when too large."""

    @abstractmethod
    def read_file(self, relative: str, max_bytes: int | None = None) -> SourceFile | None:
        """Any file under the prompts directory (a tests file, a cassette); None when absent or outside it.
        PG104 PromptSyntaxError over `max_bytes` (default max_file_bytes)."""

    @abstractmethod
    def relative_paths(self) -> list[str]:
        """Every file of the snapshot, relative to the prompts directory (hidden directories skipped)."""

    @abstractmethod
    def describe(self) -> str:
        """How messages name this snapshot: `the working tree`, the ref it was opened at (`HEAD`), or a short
        commit sha."""

    def close(self) -> None:  # noqa: B027 (optional: most sources hold nothing to release)
        """Release what the source holds open (a git process it owns); a no-op for most sources."""

    # --- derived from the reads above: one implementation for every source ---------------------------
    def path_of(self, relative: str) -> str:
        """A path relative to the prompts directory, from the repository root: what messages show."""
        return in_prompts_dir(self.prompts_dir, relative)

    def prompt_path(self, name: str) -> str:
        """`prompts/content/hook.j2` for prompt `content/hook`."""
        return self.path_of(f"{name}{SUFFIX}")

    @property
    def labels_path(self) -> str:
        return self.path_of(LABELS_FILE)

    def document(self, name: str) -> PromptDocument | None:
        """Prompt `name` parsed (front matter split, nothing compiled); None when absent.
        PromptSyntaxError when it does not parse."""
        from promptgit.format.prompt import parse_document

        found = self.read_prompt(name)
        return None if found is None else parse_document(name, found.path, found.data)

    def compile(self, name: str) -> Prompt | None:
        """Prompt `name` compiled in a sandboxed environment whose includes come from this same source
        (a prompt and its partials are always read from one snapshot); None when absent.
        PromptSyntaxError when it does not parse or compile. Nothing is cached: callers that compile the
        same immutable file often (the loader) key their own cache by `commit` and blob sha."""
        from promptgit.format.prompt import compile_document, parse_document
        from promptgit.format.templating import make_environment

        found = self.read_prompt(name)
        if found is None:
            return None
        document = parse_document(name, found.path, found.data)
        environment = make_environment(self.read_partial)
        return compile_document(document, environment, commit=self.commit, blob_sha=found.blob_sha)

    def version_of(self, name: str) -> str | None:
        """The `version` in prompt `name`'s front matter; None when absent or unparsable."""
        try:
            document = self.document(name)
        except PromptSyntaxError:
            return None
        return document.version if document is not None else None

    def _bounded(self, shown: str, data: bytes, max_bytes: int | None = None) -> bytes:
        """`data`, or PG104 naming `shown` when it is over max_bytes (default max_file_bytes, the
        validator's bound)."""
        limit = self.max_file_bytes if max_bytes is None else max_bytes
        if len(data) > limit:
            from promptgit.sources.contained import UnreadableFile

            raise UnreadableFile(shown, "PG104", f"file is {len(data)} bytes, over max_file_bytes ({limit})")
        return data

    def __enter__(self) -> PromptSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class BlobSource(PromptSource):
    """A snapshot whose files are immutable blobs found by path (a commit's tree, a bundle): every read is
    one `_read` of a contained path, bounded the same way."""

    @abstractmethod
    def _read(self, relative: str, max_bytes: int | None = None) -> SourceFile | None:
        """The file at `relative` (already contained), bounded by `max_bytes`; None when absent."""

    def read_prompt(self, name: str) -> SourceFile | None:
        return self._read(f"{name}{SUFFIX}") if is_contained(name) else None

    def read_partial(self, relative: str) -> str | None:
        if not is_contained(relative):
            return None
        try:
            found = self._read(relative)
            return None if found is None else found.data.decode("utf-8").removeprefix("\ufeff")
        except (UnicodeDecodeError, PromptSyntaxError, ObjectTooLargeError):  # not UTF-8, too large
            return None

    def read_labels(self) -> SourceFile | None:
        return self._read(LABELS_FILE)

    def read_file(self, relative: str, max_bytes: int | None = None) -> SourceFile | None:
        return self._read(relative, max_bytes) if is_contained(relative) else None
