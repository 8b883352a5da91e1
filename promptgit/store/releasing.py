"""Releases: check a prompt is ready, then create its annotated tag `prompts/<name>/v<version>`.

Safety: every check runs before anything is written; the tags of one run are created in a single
`git update-ref --stdin` transaction whose `create` verbs fail when a ref already exists, so a release
never moves or overwrites a tag, and a failing run leaves no tag behind (all or nothing).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from promptgit.errors import PromptSyntaxError, ReleaseError
from promptgit.format.prompt import parse_document
from promptgit.sources.contained import read_contained
from promptgit.store.atomic import edit_lock, is_temporary, write_atomic
from promptgit.store.gitstore import GitStore, release_tag
from promptgit.store.selectors import is_version
from promptgit.store.workspace import Workspace

Part = Literal["patch", "minor", "major"]
_VERSION_LINE = re.compile(
    r"^(?P<key>version[ \t]*:[ \t]*)(?P<quote>[\"']?)(?P<value>[^\s\"'#]+)(?P=quote)", re.M
)


@dataclass(frozen=True)
class ReleasePlan:
    name: str
    version: str
    commit: str
    message: str

    @property
    def tag(self) -> str:
        return release_tag(self.name, self.version)


def git(store: GitStore, *args: str, stdin: str | None = None) -> str:
    """Run git in the repository; ReleaseError with git's own message when it fails."""
    result = subprocess.run(
        ["git", *args], cwd=store.root, input=stdin, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise ReleaseError(
            f"git {args[0]} failed: {detail[-1] if detail else 'exit ' + str(result.returncode)}"
        )
    return result.stdout


def check_clean(workspace: Workspace, store: GitStore) -> None:
    """Refuse when anything under the prompts directory differs from HEAD (staged, unstaged, untracked)."""
    prompts_dir = workspace.git_prompts_dir
    status = git(store, "status", "--porcelain", "--untracked-files=all", "--", prompts_dir)
    # a temporary file left by a killed `label set` or `bump` is not a change (the next edit removes it)
    paths = [line[3:] for line in status.splitlines() if line.strip()]
    dirty = [path for path in paths if not is_temporary(path.rpartition("/")[2])]
    if dirty:
        more = f" and {len(dirty) - 3} more" if len(dirty) > 3 else ""
        raise ReleaseError(
            f"uncommitted changes under {prompts_dir}/: {', '.join(dirty[:3])}{more}; commit them first"
        )


def head_commit(store: GitStore) -> str:
    try:
        return store.resolve_commit("HEAD")
    except Exception:
        raise ReleaseError("the repository has no commits yet; commit the prompts first") from None


def plan(workspace: Workspace, store: GitStore, name: str, commit: str, message: str | None) -> ReleasePlan:
    """The release of `name` as committed at `commit`; ReleaseError when it is invalid or already released."""
    source = workspace.at_commit(store, commit)
    path = source.prompt_path(name)
    try:
        document = source.document(name)
    except PromptSyntaxError as exc:
        raise ReleaseError(f"{exc}") from None
    if document is None:
        raise ReleaseError(f"no prompt {name} at HEAD ({path} is not committed)")
    version = document.version
    if not is_version(version):
        raise ReleaseError(f"{path}: version {version!r} is not a semver version (x.y.z)")
    if version in store.release_versions(name):
        raise ReleaseError(
            f"{name} {version} is already released (tag {release_tag(name, version)}); "
            "bump the version (promptgit release NAME --bump patch) to release a change"
        )
    return ReleasePlan(name, version, commit, message or f"{name} {version}")


def create_tags(store: GitStore, plans: list[ReleasePlan]) -> None:
    """Write the annotated tag objects, then create every ref in one atomic transaction."""
    if not plans:
        return
    ident = git(store, "var", "GIT_COMMITTER_IDENT").strip()
    commands = []
    for item in plans:
        body = (
            f"object {item.commit}\ntype commit\ntag {item.tag}\ntagger {ident}\n\n{item.message.strip()}\n"
        )
        sha = git(store, "mktag", stdin=body).strip()
        commands.append(f"create refs/tags/{item.tag} {sha}\n")
    try:
        git(store, "update-ref", "--stdin", stdin="".join(commands))
    except ReleaseError as exc:
        raise ReleaseError(f"no tag created: {exc}") from None
    store.refresh()


def pending(workspace: Workspace, store: GitStore, commit: str) -> list[str]:
    """Prompts at `commit` whose version has no release tag yet (unparsable ones included, to fail loudly)."""
    source = workspace.at_commit(store, commit)
    return [
        name
        for name in source.names()
        if (version := source.version_of(name)) is None or version not in store.release_versions(name)
    ]


@dataclass(frozen=True)
class Drift:
    """A prompt whose file at a commit differs from the release tag of the version it declares."""

    name: str
    path: str
    version: str

    @property
    def tag(self) -> str:
        return release_tag(self.name, self.version)


def drifted(workspace: Workspace, store: GitStore, commit: str) -> list[Drift]:
    """Prompts at `commit` whose version is released but whose file is not the released blob: a change
    that reaches no release (two branches bumped to the same version, the second merged after the
    release). Line endings are not a change (as for PG503)."""
    from promptgit.store.lineage import normalized

    source = workspace.at_commit(store, commit)
    found = []
    for name in source.names():
        current = source.read_prompt(name)
        if current is None:
            continue
        try:
            version = parse_document(name, source.prompt_path(name), current.data).version
        except PromptSyntaxError:
            continue  # `pending` releases it, and its validation says why it fails
        if not is_version(version) or not store.is_released(name, version):
            continue
        released = workspace.at_commit(store, store.release_commit(name, version)).read_prompt(name)
        if released is None or released.blob_sha == current.blob_sha:
            continue
        if normalized(released.data) != normalized(current.data):
            found.append(Drift(name, source.prompt_path(name), version))
    return found


def bumped(version: str, part: Part) -> str:
    """`1.2.3` bumped by patch/minor/major (a pre-release is finished by a patch bump, as npm does)."""
    core, _, prerelease = version.partition("+")[0].partition("-")
    major, minor, patch = (int(number) for number in core.split("."))
    if part == "major":
        return f"{major + 1}.0.0"
    if part == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch if prerelease else patch + 1}"


@dataclass(frozen=True)
class Bump:
    """A version bump of one prompt file, computed without writing anything."""

    path: Path
    old: str
    new: str
    original: bytes
    updated: bytes


def plan_bump(path: Path, part: Part, within: Path, max_bytes: int) -> Bump:
    """The bump of `path`'s `version:` line (a regular file inside `within`); nothing is written."""
    original = read_contained(path, path.name, max_bytes, within)
    try:
        text = original.decode("utf-8")
    except UnicodeDecodeError:
        raise ReleaseError(f"{path.name}: not UTF-8, cannot bump its version") from None
    end = text.find("\n---", 3)
    front = text[: end if end > 0 else len(text)]
    match = _VERSION_LINE.search(front)
    if match is None or not is_version(match.group("value")):
        raise ReleaseError(f"{path.name}: no 'version: x.y.z' line in the front matter to bump")
    old = match.group("value")
    new = bumped(old, part)
    start, stop = match.span("value")
    return Bump(path, old, new, original, (text[:start] + new + text[stop:]).encode("utf-8"))


def bump_file(path: Path, part: Part, within: Path, max_bytes: int) -> Bump:
    """Rewrite the `version:` line of a prompt file: read and written under the file's edit lock, through
    a unique temporary file and a rename, so two concurrent bumps are two bumps and none is half-written."""
    with edit_lock(path):
        bump = plan_bump(path, part, within, max_bytes)
        write_atomic(path, bump.updated)
    return bump
