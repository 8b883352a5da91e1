"""Version rules (PG5xx): the working tree against a base ref and the release tags.

- PG501 a prompt whose file changed since the base keeps the base's version (must bump);
- PG502 a version lower than the base's (versions never go down);
- PG503 a released version whose content is not the released blob (releases are immutable);
- PG504 a label pointing at a version of a prompt that has no release tag;
- PG505 a label pointing at a prompt that does not exist in the working tree (removed, or never existed);
- PG506 (warning) an unchanged prompt whose included partials changed: no release of it gets the change.

In a pre-commit run the framework stashes unstaged changes, so the working tree is what gets committed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from jinja2 import TemplateSyntaxError, meta

from promptgit.errors import GitError, ObjectTooLargeError, PromptSyntaxError
from promptgit.findings import Finding, Severity
from promptgit.format.prompt import PromptDocument, parse_document
from promptgit.format.templating import make_environment, may_reference_templates
from promptgit.store.selectors import compare_versions, is_version
from promptgit.store.workspace import LABELS_FILE, Workspace, open_store

if TYPE_CHECKING:
    from promptgit.store.gitstore import GitStore

DEFAULT_BRANCHES = ("origin/HEAD", "main", "master", "origin/main", "origin/master")


@dataclass(frozen=True)
class _Base:
    commit: str | None  # None: no commits yet, every prompt is new
    label: str  # how messages name it


def resolve_base(store: GitStore, base_ref: str | None) -> _Base:
    """The commit to compare with: `base_ref`, or the merge-base of HEAD with the default branch."""
    try:
        head = store.resolve_commit("HEAD")
    except GitError:
        head = None
    if head is None:  # unborn branch: the first commit of the repository
        if base_ref in (None, "HEAD"):
            return _Base(None, "the empty repository")
        return _Base(store.resolve_commit(base_ref or "HEAD"), base_ref or "HEAD")
    if base_ref is not None:
        return _Base(store.resolve_commit(base_ref), base_ref)
    for candidate in DEFAULT_BRANCHES:
        try:
            branch = store.resolve_commit(candidate)
        except GitError:
            continue
        try:
            merge_base = store.run_git("merge-base", head, branch).strip()
        except GitError:
            continue
        return _Base(merge_base, f"merge-base with {candidate}")
    return _Base(head, "HEAD")


def check_versions(
    workspace: Workspace, base_ref: str | None, paths: Sequence[Path] | None = None
) -> Iterator[Finding]:
    """Findings PG5xx: bumps, monotonic versions, immutable releases, labels pointing at real releases."""
    store = open_store(workspace)
    if store is None:
        return
    try:
        base = resolve_base(store, base_ref)
        files = workspace.prompt_files() if paths is None else paths
        partials = _PartialChanges(workspace, store, base.commit) if base.commit is not None else None
        for path in files:
            name = workspace.name_of(Path(path))
            if name is not None and Path(path).is_file():
                try:
                    yield from _check_prompt(workspace, store, base, partials, name, Path(path))
                except ObjectTooLargeError as exc:  # one finding on that file; the others still checked
                    message = f"cannot compare with git: {exc}"
                    yield Finding(workspace.display_path(Path(path)), 1, 1, "PG104", message, Severity.ERROR)
        yield from _check_labels(workspace, store, base)
    finally:
        store.close()


def _check_prompt(
    workspace: Workspace,
    store: GitStore,
    base: _Base,
    partials: _PartialChanges | None,
    name: str,
    path: Path,
) -> Iterator[Finding]:
    from promptgit.store.releases import release_tag

    shown = workspace.display_path(path)
    data = path.read_bytes()
    try:
        document = parse_document(name, shown, data)
    except PromptSyntaxError:
        return  # the parse rules report it; without a version there is nothing to compare
    version = document.version
    if not is_version(version):
        return  # the schema rules report it
    line, column = document.front.position(("version",))
    released = store.release_versions(name)
    if version in released:
        commit = store.release_commit(name, version)
        found = store.read_prompt(commit, name)
        if found is None or _normalized(found[0]) != _normalized(data):
            tag = release_tag(name, version)
            yield Finding(
                shown,
                line,
                column,
                "PG503",
                f"{name} {version} is already released (tag {tag}) with other content; bump the version",
            )
            return
    if base.commit is None or partials is None:
        return
    before = store.read_prompt(base.commit, name)
    if before is None:
        return
    if _normalized(before[0]) == _normalized(data):
        changed = partials.of(document)
        if changed:
            yield Finding(
                shown,
                line,
                column,
                "PG506",
                f"{name} includes {', '.join(changed)}, changed since {base.label}, but stays at {version}: "
                "the change reaches no release of it until its version is bumped",
                Severity.WARNING,
            )
        return
    try:
        base_version = parse_document(name, shown, before[0]).version
    except PromptSyntaxError:
        return
    if not is_version(base_version):
        return
    order = compare_versions(version, base_version)
    if order < 0:
        yield Finding(
            shown,
            line,
            column,
            "PG502",
            f"version {version} is lower than {base_version} at {base.label}; versions never go down",
        )
    elif order == 0:
        yield Finding(
            shown,
            line,
            column,
            "PG501",
            f"{name} changed since {base.label} but its version is still {version}; bump it (e.g. "
            f"{next_patch(version)})",
        )


class _PartialChanges:
    """Which partials differ from a commit: each template parsed once and each partial compared once per
    run, however many prompts include it (the unchanged prompts of a large library all come here)."""

    def __init__(self, workspace: Workspace, store: GitStore, commit: str) -> None:
        self.workspace = workspace
        self.store = store
        self.commit = commit
        self.environment = make_environment(workspace.read_partial)
        self._includes: dict[str, list[str]] = {}  # partial -> templates it includes
        self._changed: dict[str, bool] = {}

    def of(self, document: PromptDocument) -> list[str]:
        """Partials the prompt includes (transitively, constant names only) whose text differs."""
        pending = self._referenced(document.template_source)
        seen: set[str] = set()
        changed: list[str] = []
        while pending:
            included = pending.pop()
            if included in seen:
                continue
            seen.add(included)
            if self._differs(included):
                changed.append(f"{self.workspace.config.prompts_dir}/{included}")
            if included not in self._includes:
                text = self.workspace.read_partial(included)
                self._includes[included] = self._referenced(text) if text is not None else []
            pending.extend(self._includes[included])
        return sorted(changed)

    def _referenced(self, source: str) -> list[str]:
        if not may_reference_templates(source):
            return []  # no include or import tag: skip parsing the template (most prompts)
        try:
            ast = self.environment.parse(source)
        except TemplateSyntaxError:
            return []  # the parse rules report it
        return [name for name in meta.find_referenced_templates(ast) if name is not None]

    def _differs(self, included: str) -> bool:
        if included not in self._changed:
            text = self.workspace.read_partial(included)
            before = self.store.read_partial(self.commit, included)
            self._changed[included] = (
                text is not None and before is not None and text.replace("\r\n", "\n") != before
            )
        return self._changed[included]


def _check_labels(workspace: Workspace, store: GitStore, base: _Base) -> Iterator[Finding]:
    from promptgit.store.releases import release_tag

    path = workspace.prompts_dir / LABELS_FILE
    if not path.is_file():
        return
    shown = workspace.display_path(path)
    try:
        entries = list(label_entries(workspace.read_file(path, shown).decode("utf-8")))
    except (yaml.YAMLError, UnicodeDecodeError, ValueError, PromptSyntaxError):
        return  # the schema rules (PG203) report a malformed labels file
    existing = {name for name in (workspace.name_of(file) for file in workspace.prompt_files()) if name}
    for label, name, version, line, column in entries:
        if name not in existing:
            removed = base.commit is not None and store.read_prompt(base.commit, name) is not None
            why = f"was removed since {base.label}" if removed else "does not exist"
            yield Finding(shown, line, column, "PG505", f"label {label} points at {name}, which {why}")
        elif not is_version(version):
            continue  # not a version at all: the schema rules (PG203) say so, without echoing it whole
        elif version not in store.release_versions(name):
            yield Finding(
                shown,
                line,
                column,
                "PG504",
                f"label {label} points at {name}@{version}, which is not released "
                f"(no tag {release_tag(name, version)}); release it first",
            )


def label_entries(text: str) -> Iterator[tuple[str, str, str, int, int]]:
    """(label, prompt, version, line, column) for each entry of a labels file, with the value's position."""
    root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if root is None:
        return
    if not isinstance(root, yaml.MappingNode):
        raise ValueError("labels file must be a mapping")
    for label_node, prompts_node in root.value:
        if not isinstance(prompts_node, yaml.MappingNode):
            continue
        for name_node, version_node in prompts_node.value:
            if isinstance(name_node, yaml.ScalarNode) and isinstance(version_node, yaml.ScalarNode):
                mark = version_node.start_mark
                label = str(label_node.value)
                yield (label, name_node.value, version_node.value, mark.line + 1, mark.column + 1)


def next_patch(version: str) -> str:
    major, minor, patch = version.partition("-")[0].partition("+")[0].split(".")
    return f"{major}.{minor}.{int(patch) + 1}"


def _normalized(data: bytes) -> bytes:
    # a checkout with core.autocrlf has CRLF where the blob has LF: the same content
    return data.replace(b"\r\n", b"\n")
