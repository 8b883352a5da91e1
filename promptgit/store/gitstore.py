"""The git layer: releases from tag refs, and prompt files, partials and labels read from git objects.

Nothing here checks out, writes or moves anything. Objects are read through GitPython's persistent
`git cat-file --batch` process (one per store, guarded by a lock because that pipe is not thread-safe);
release tags are read from `packed-refs` (bisected) and the loose refs under `refs/tags/prompts/<name>/`
directly (see tagrefs.py), so a repository with 10,000 tags costs a few lines, not 10,000 ref objects.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import git

from promptgit.errors import GitError, PromptNotFoundError
from promptgit.format.prompt import SUFFIX
from promptgit.store.labels import parse_labels
from promptgit.store.selectors import VERSION_PATTERN, Selector, pick_version, sort_versions, version_key
from promptgit.store.tagrefs import HEX, TagRef, loose_tag_refs, packed_tag_refs

TAG_PREFIX = "prompts/"
LABELS_FILE = "labels.yaml"
PARTIALS_DIR = "partials"
# a prompt, partial or labels file is small (the validator's default limit is 256 KiB); a hostile or broken
# repository must not make a reader load a huge blob into memory
MAX_OBJECT_BYTES = 8 * 1024 * 1024
_MAX_CACHED = 256  # entries per per-commit cache before it is dropped


def release_tag(name: str, version: str) -> str:
    """`content/hook`, `1.3.0` -> `prompts/content/hook/v1.3.0` (the Go-modules convention)."""
    return f"{TAG_PREFIX}{name}/v{version}"


@dataclass(frozen=True)
class Release:
    """One release of one prompt: an annotated tag `prompts/<name>/v<version>`."""

    name: str
    version: str
    tag: str
    commit: str  # hexsha of the tagged commit
    date: datetime | None = None
    message: str = ""
    tagger: str = ""


class GitStore:
    """Read-only access to prompts in a git repository; safe to share between threads."""

    def __init__(
        self, path: str | Path, prompts_dir: str = "prompts", *, max_object_bytes: int = MAX_OBJECT_BYTES
    ) -> None:
        try:
            self._repo = git.Repo(Path(path), search_parent_directories=True)
        except git.NoSuchPathError:
            raise GitError(f"{path}: no such directory") from None
        except git.InvalidGitRepositoryError:
            start = Path(path).resolve()
            broken = next((d for d in (start, *start.parents) if (d / ".git").exists()), None)
            if broken is not None:
                message = "not a readable git repository (corrupt or incomplete)"
                raise GitError(f"{broken / '.git'}: {message}") from None
            raise GitError(f"{path}: not a git repository") from None
        except (git.GitError, OSError, ValueError) as exc:
            raise GitError(f"{path}: cannot open the git repository: {exc}") from None
        self.root = Path(self._repo.working_tree_dir or self._repo.git_dir).resolve()
        self.prompts_dir = prompts_dir.strip("/") or "."
        self.max_object_bytes = max_object_bytes
        self._common_dir = Path(self._repo.common_dir)
        self._lock = threading.RLock()
        self._packed: bytes | None = None
        self._tags: dict[str, dict[str, TagRef]] = {}
        self._exact: dict[tuple[str, str], TagRef | None] = {}
        self._releases: dict[tuple[str, str, str], Release] = {}
        self._labels: dict[str, dict[str, dict[str, str]]] = {}  # by blob sha
        self._names: dict[str, list[str]] = {}  # by commit

    # --- objects ------------------------------------------------------------------------------------
    def _object(self, name: str) -> tuple[str, str, bytes] | None:
        """(sha, type, data) of any object name cat-file understands (`sha`, `rev:path`); None if missing."""
        if not name or any(ch in name for ch in "\n\r\0"):
            return None
        with self._lock:
            try:
                sha, kind, size, stream = self._repo.git.stream_object_data(name)
                if size > self.max_object_bytes:
                    while stream.read(1 << 20):  # drain in chunks: the pipe must stay in step
                        pass
                    raise GitError(
                        f"{self.root}: {name} is {size} bytes, over the {self.max_object_bytes}-byte limit"
                    )
                data = stream.read()
            except ValueError:  # "missing" or "ambiguous"
                return None
            except (git.GitError, OSError) as exc:
                self._restart_cat_file()
                raise GitError(f"{self.root}: cannot read git object {name!r}: {exc}") from None
        return _text(sha), _text(kind), data

    def _restart_cat_file(self) -> None:
        # a dead or confused cat-file pipe would fail every later read; start afresh next time
        with contextlib.suppress(Exception):
            self._repo.git.clear_cache()

    def resolve_commit(self, ref: str = "HEAD") -> str:
        """The commit sha that `ref` (branch, tag, sha, HEAD~2 ...) names; GitError when unknown."""
        found = self._object(f"{ref}^{{commit}}")
        if found is None:
            self._check_alive()
            raise GitError(f"{self.root}: unknown revision {ref!r}")
        return found[0]

    def read_file(self, commit: str, path: str) -> tuple[bytes, str] | None:
        """(data, blob sha) of `path` (from the repository root) at `commit`; None when absent."""
        found = self._object(f"{commit}:{path}")
        if found is None:
            self._check_listed(commit, path)
            return None
        if found[1] != "blob":
            return None
        return found[2], found[0]

    def _check_listed(self, commit: str, path: str) -> None:
        """cat-file says "missing" for an unreadable object too: a path its tree lists means corruption."""
        directory, _, filename = path.rpartition("/")
        tree = self._object(f"{commit}:{directory}" if directory else f"{commit}^{{tree}}")
        if tree is None or tree[1] != "tree":
            return
        needle = b" " + filename.encode() + b"\0"
        if needle in tree[2]:
            raise GitError(f"{self.root}: {path} at {commit[:12]}: object listed but unreadable (corrupt)")

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
            with self._lock:
                listing = self._repo.git.ls_tree(
                    "-r", "-z", "--name-only", commit, "--", f"{self.prompts_dir}/"
                )
        except git.GitCommandError as exc:
            raise GitError(f"{self.root}: cannot list prompts at {commit!r}: {_stderr(exc)}") from None
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

    def labels(self, commit: str) -> dict[str, dict[str, str]]:
        """`prompts/labels.yaml` at `commit` as {label: {prompt: version}}; {} when the file is absent."""
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

    # --- releases -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Forget cached refs, so tags and commits made since are seen."""
        with self._lock:
            self._packed = None
            self._tags.clear()
            self._exact.clear()
            self._names.clear()
        self._check_alive()

    def _check_alive(self) -> None:
        if not self._common_dir.is_dir() or not (self._common_dir / "HEAD").exists():
            raise GitError(f"{self.root}: the git repository is gone or corrupt (no {self._common_dir}/HEAD)")

    def _tag_refs(self, name: str) -> dict[str, TagRef]:
        with self._lock:
            cached = self._tags.get(name)
            if cached is not None:
                return cached
            refs = self._read_tag_refs(name)
            self._tags[name] = refs
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
            if self._uses_reftable():
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
            self._exact[(name, version)] = found
            return found

    def _packed_refs(self) -> bytes:
        if self._packed is None:
            try:
                self._packed = (self._common_dir / "packed-refs").read_bytes()
            except FileNotFoundError:
                self._packed = b""
            except OSError as exc:
                raise GitError(f"{self.root}: cannot read packed-refs: {exc.strerror}") from None
        return self._packed

    def _read_tag_refs(self, name: str) -> dict[str, TagRef]:
        """version -> ref, from packed-refs then the loose refs (which win, as in git)."""
        prefix = f"refs/tags/{TAG_PREFIX}{name}/v"
        if self._uses_reftable():
            return self._tag_refs_from_git(prefix)
        refs = packed_tag_refs(self._packed_refs(), prefix.encode())
        refs.update(loose_tag_refs(self._common_dir / prefix.rpartition("/")[0]))  # loose refs win, as in git
        return {version: ref for version, ref in refs.items() if VERSION_PATTERN.match(version)}

    def _uses_reftable(self) -> bool:
        try:
            config = (self._common_dir / "config").read_text("utf-8", "replace")
        except OSError:
            return False
        return "reftable" in config

    def _tag_refs_from_git(self, prefix: str) -> dict[str, TagRef]:
        try:
            with self._lock:
                out = self._repo.git.for_each_ref(
                    "--format=%(objectname) %(*objectname) %(refname)", prefix[:-1]
                )
        except git.GitCommandError as exc:
            raise GitError(f"{self.root}: cannot list tags: {_stderr(exc)}") from None
        refs: dict[str, TagRef] = {}
        for line in out.splitlines():
            target, peeled, refname = line.split(" ", 2)
            if refname.startswith(prefix):
                refs[refname[len(prefix) :]] = TagRef(target, peeled or None)
        return refs

    def release_versions(self, name: str) -> list[str]:
        """Released versions of `name`, ascending by semver; read from tag refs only (no tag objects)."""
        return sort_versions(self._tag_refs(name))

    def release(self, name: str, version: str) -> Release:
        """The release `name@version`, with its commit, date and message; PromptNotFoundError when absent."""
        ref = self._tag_ref(name, version)
        if ref is None:
            raise PromptNotFoundError(f"{name}@{version}: no such release (tag {release_tag(name, version)})")
        key = (name, version, ref.target)  # keyed by the tag object too: a refresh may see a replaced tag
        with self._lock:
            cached = self._releases.get(key)
        if cached is None:
            cached = self._load_release(name, version, ref)
            with self._lock:
                self._releases[key] = cached
        return cached

    def release_commit(self, name: str, version: str) -> str:
        """The commit of a release, from packed-refs' peeled line when there is one (no object read)."""
        ref = self._tag_ref(name, version)
        if ref is None:
            raise PromptNotFoundError(f"{name}@{version}: no such release (tag {release_tag(name, version)})")
        return ref.peeled or self.release(name, version).commit

    def _load_release(self, name: str, version: str, ref: TagRef) -> Release:
        tag = release_tag(name, version)
        found = self._object(ref.target)
        if found is None:
            raise GitError(f"{self.root}: tag {tag} points at a missing object {ref.target}")
        sha, kind, data = found
        date: datetime | None = None
        message = tagger = ""
        while kind == "tag":
            headers, _, body = data.decode("utf-8", "replace").partition("\n\n")
            fields = dict(line.split(" ", 1) for line in headers.splitlines() if " " in line)
            if "tagger" in fields and not tagger:
                tagger, date = _identity(fields["tagger"])
                message = _strip_signature(body).strip()
            peeled = self._object(fields.get("object", ""))
            if peeled is None:
                raise GitError(f"{self.root}: tag {tag} points at a missing object")
            sha, kind, data = peeled
        if kind != "commit":
            raise GitError(f"{self.root}: tag {tag} does not point at a commit")
        if date is None:  # a lightweight tag: the commit's date stands in
            headers = data.decode("utf-8", "replace").partition("\n\n")[0]
            fields = dict(line.split(" ", 1) for line in headers.splitlines() if " " in line)
            if "committer" in fields:
                tagger, date = _identity(fields["committer"])
        return Release(
            name=name, version=version, tag=tag, commit=sha, date=date, message=message, tagger=tagger
        )

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
            labels = self.labels(self.resolve_commit(ref))
            entries = labels.get(selector.spec or "")
            if entries is None:
                raise PromptNotFoundError(f"{selector}: no label {selector.spec!r} in {LABELS_FILE} at {ref}")
            version = entries.get(selector.name)
            if version is None:
                raise PromptNotFoundError(
                    f"{selector}: label {selector.spec!r} has no entry for {selector.name}"
                )
            if self._tag_ref(selector.name, version) is None:
                raise PromptNotFoundError(f"{selector}: label points at {version}, which is not released")
            return version
        # an exact version is one ref read, not a listing of every release (a miss lists, for the message)
        if selector.kind == "exact" and selector.spec and self._tag_ref(selector.name, selector.spec):
            return selector.spec
        versions = list(self._tag_refs(selector.name))
        picked = pick_version(selector, versions)
        if picked is None:
            what = "no releases" if not versions else "no release matches"
            raise PromptNotFoundError(f"{selector}: {what} (tags {release_tag(selector.name, '<version>')})")
        return picked

    def highest_release(self, name: str) -> str | None:
        versions = list(self._tag_refs(name))
        return max(versions, key=version_key) if versions else None

    @property
    def repo(self) -> git.Repo:
        """The GitPython repository, for write paths (release, label) that live outside this module."""
        return self._repo

    def close(self) -> None:
        """Stop the persistent cat-file processes."""
        with self._lock:
            self._repo.close()


def _identity(field: str) -> tuple[str, datetime | None]:
    """`Name <mail> 1700000000 +0100` -> ("Name <mail>", aware datetime)."""
    person, _, stamp = field.rpartition(">")
    parts = stamp.split()
    if len(parts) != 2:
        return field, None
    try:
        seconds = int(parts[0])
        sign = -1 if parts[1].startswith("-") else 1
        offset = timedelta(hours=int(parts[1][1:3]), minutes=int(parts[1][3:5])) * sign
        return person + ">", datetime.fromtimestamp(seconds, timezone(offset))
    except (ValueError, OverflowError):
        return person + ">", None


def _strip_signature(body: str) -> str:
    marker = body.find("-----BEGIN PGP SIGNATURE-----")
    return body if marker < 0 else body[:marker]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _stderr(exc: git.GitCommandError) -> str:
    text = exc.stderr if isinstance(exc.stderr, str) else str(exc)
    return (
        text.strip().removeprefix("stderr:").strip().strip("'").splitlines()[-1] if text.strip() else str(exc)
    )
