"""Version rules (PG5xx), judged against the release tags; the base ref only says what changed.

- PG501 a prompt that differs from its last release keeps a version that does not cover the change (its
  interface decides: breaking needs major, additive minor, anything else patch; see bumps.py);
- PG502 a version lower than the last release (versions never go down);
- PG503 a released version whose content is not the released blob (releases are immutable);
- PG504 a label pointing at a version of a prompt that has no release tag;
- PG505 a label pointing at a prompt that does not exist in the working tree (removed, or never existed);
- PG506 (warning) a prompt at a released version whose included partials changed since the base: no
  release of it gets the change;
- PG507 no release tags in a clone that should have them (shallow, --no-tags, or labels naming versions):
  judged without them every prompt would look unreleased and pass, so this is an error, never a silent pass.
- PG508, PG509 and PG504/PG505 for traffic splits: see splits.py.

In a pre-commit run the framework stashes unstaged changes, so the working tree is what gets committed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from jinja2 import TemplateSyntaxError, meta

from promptgit.errors import GitError, ObjectTooLargeError, PromptgitError, PromptSyntaxError
from promptgit.findings import Finding, Severity
from promptgit.format.prompt import PromptDocument, parse_document
from promptgit.format.templating import make_environment, may_reference_templates
from promptgit.store.labels import entry_nodes
from promptgit.store.lineage import ReleaseLines, missing_tags_reason
from promptgit.store.selectors import is_version
from promptgit.store.workspace import LABELS_FILE, Workspace, open_store
from promptgit.validation.bumps import release_findings
from promptgit.validation.splits import check_splits

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
        labels = _labels(workspace)
        missing = missing_tags_reason(store, _labelled(store, base))
        lines = ReleaseLines(store)
        files = workspace.prompt_files() if paths is None else paths
        partials = _PartialChanges(workspace, store, base.commit) if base.commit is not None else None
        for path in files:
            name = workspace.name_of(Path(path))
            if name is None or not Path(path).is_file():
                continue
            if missing is not None:  # one finding for the run, on the first prompt
                yield Finding(workspace.display_path(Path(path)), 1, 1, "PG507", _missing_message(missing))
                missing = None
                labels = None  # every label would be "not released": the PG507 above says why
            try:
                yield from _check_prompt(workspace, store, lines, base, partials, name, Path(path))
            except ObjectTooLargeError as exc:  # one finding on that file; the others still checked
                message = f"cannot compare with git: {exc}"
                yield Finding(workspace.display_path(Path(path)), 1, 1, "PG104", message, Severity.ERROR)
        if missing is not None and labels is not None:
            yield Finding(labels[0], 1, 1, "PG507", _missing_message(missing))
        elif labels is not None:
            yield from _check_labels(workspace, store, base, *labels)
    finally:
        store.close()


def _labelled(store: GitStore, base: _Base) -> bool:
    """Whether labels.yaml at the base names a version: committed labels mean releases were made."""
    if base.commit is None:
        return False
    try:
        return any(store.labels(base.commit).values())
    except PromptgitError:
        return False  # a malformed labels file is the schema rules' to report


def _missing_message(reason: str) -> str:
    return (
        f"no release tags (refs/tags/prompts/*) in this repository: {reason} "
        "(GitHub Actions: actions/checkout with fetch-depth: 0); without them every version looks unreleased"
    )


def _check_prompt(
    workspace: Workspace,
    store: GitStore,
    lines: ReleaseLines,
    base: _Base,
    partials: _PartialChanges | None,
    name: str,
    path: Path,
) -> Iterator[Finding]:
    shown = workspace.display_path(path)
    data = path.read_bytes()
    try:
        document = parse_document(name, shown, data)
    except PromptSyntaxError:
        return  # the parse rules report it; without a version there is nothing to compare
    version = document.version
    if not is_version(version):
        return  # the schema rules report it
    position = document.front.position(("version",))
    found = list(release_findings(store, lines, document, data, position))
    yield from found
    if found or partials is None or version not in store.release_versions(name):
        return  # an unreleased version gets the partials' changes when it is released
    changed = partials.of(document)
    if changed:
        yield Finding(
            shown,
            *position,
            "PG506",
            f"{name} includes {', '.join(changed)}, changed since {base.label}, but stays at {version}, "
            "which is released: the change reaches no release of it until its version is bumped",
            Severity.WARNING,
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


def _labels(workspace: Workspace) -> tuple[str, list[tuple[str, str, str, int, int]]] | None:
    """The labels file as shown, and its entries; None when there is none or it does not parse."""
    path = workspace.prompts_dir / LABELS_FILE
    if not path.is_file():
        return None
    try:
        entries = list(label_entries(workspace.read_file(path).decode("utf-8")))
    except (yaml.YAMLError, UnicodeDecodeError, ValueError, PromptSyntaxError):
        return None  # the schema rules (PG203) report a malformed labels file
    return workspace.display_path(path), entries


def _check_labels(
    workspace: Workspace,
    store: GitStore,
    base: _Base,
    shown: str,
    entries: list[tuple[str, str, str, int, int]],
) -> Iterator[Finding]:
    from promptgit.store.releases import release_tag

    existing = {name for name in (workspace.name_of(file) for file in workspace.prompt_files()) if name}
    text = (workspace.prompts_dir / LABELS_FILE).read_text("utf-8")
    yield from check_splits(shown, text, store, existing, (base.commit, base.label))
    yield from _removed_entries(store, base, shown, text, existing, entries)
    renames: dict[str, str] | None = None
    for label, name, version, line, column in entries:
        if name not in existing:
            removed = base.commit is not None and store.read_prompt(base.commit, name) is not None
            if removed and renames is None:
                renames = _renamed_prompts(store, base.commit)
            if removed and renames and name in renames:
                yield Finding(
                    shown,
                    line,
                    column,
                    "PG511",
                    f"label {label} points at {name}, renamed to {renames[name]} since {base.label}: the "
                    f"label keeps serving {name}'s releases (release tags are never moved); release "
                    f"{renames[name]}, then point labels and callers at it",
                    Severity.WARNING,
                )
                continue
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


def _renamed_prompts(store: GitStore, commit: str | None) -> dict[str, str]:
    """old name -> new name for the prompts git sees renamed between `commit` and the working tree (its
    rename detection: similar content, `git mv` or not)."""
    if commit is None:
        return {}
    from promptgit.format.prompt import SUFFIX

    try:
        out = store.run_git("diff", "-M", "--name-status", "-z", commit, "--", f"{store.prompts_dir}/")
    except GitError:
        return {}
    fields = iter(out.split("\0"))
    prefix = "" if store.prompts_dir == "." else f"{store.prompts_dir}/"
    renamed = {}
    for status in fields:
        if status.startswith("R"):
            old, new = next(fields, ""), next(fields, "")
            if old.endswith(SUFFIX) and new.endswith(SUFFIX):
                renamed[old.removeprefix(prefix).removesuffix(SUFFIX)] = new.removeprefix(
                    prefix
                ).removesuffix(SUFFIX)
        elif status:
            next(fields, "")
    return renamed


def _removed_entries(
    store: GitStore,
    base: _Base,
    shown: str,
    text: str,
    existing: set[str],
    entries: list[tuple[str, str, str, int, int]],
) -> Iterator[Finding]:
    """PG510 (warning): an entry the base's labels file has and this one lacks, for a prompt that still
    exists. The loader answers `name@label` from the labels file: once the entry is gone every replica
    raises PromptNotFoundError for it within its cache TTL, which is an outage unless no caller uses it."""
    if base.commit is None:
        return
    try:
        before = store.labels(base.commit)
    except PromptgitError:
        return  # a malformed labels file at the base: nothing to compare with
    now = {(label, node.value) for label, node, _ in entry_nodes(text)}  # splits included
    label_lines = _label_lines(text)
    for label, named in before.items():
        for name in named:
            if (label, name) in now or name not in existing:
                continue
            line = label_lines.get(label, 1)  # the label's key, or the top of the file when it is gone
            yield Finding(
                shown,
                line,
                1,
                "PG510",
                f"label {label} no longer names {name}, which still exists: get('{name}@{label}') raises "
                "PromptNotFoundError on every replica once its cache TTL passes (docs/versions.md); keep "
                "the entry until no caller uses it",
                Severity.WARNING,
            )


def _label_lines(text: str) -> dict[str, int]:
    """label -> the line of its key in a labels file (parsed before: it composes)."""
    root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(root, yaml.MappingNode):
        return {}
    return {str(key.value): key.start_mark.line + 1 for key, _ in root.value}


def label_entries(text: str) -> Iterator[tuple[str, str, str, int, int]]:
    """(label, prompt, version, line, column) for each entry of a labels file, with the value's position."""
    for label, name_node, value_node in entry_nodes(text):
        if isinstance(value_node, yaml.ScalarNode):
            mark = value_node.start_mark
            yield (label, name_node.value, value_node.value, mark.line + 1, mark.column + 1)
