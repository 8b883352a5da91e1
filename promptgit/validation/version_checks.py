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
- PG508, PG509 and PG504/PG505 for traffic splits: see split_rules.py.
- PG510 (warning) a label entry the base's labels file has and the working tree's lacks, for a prompt that
  still exists (`name@label` stops resolving everywhere);
- PG511 (warning) a label naming a prompt git sees renamed since the base (it keeps serving the old name).

In a pre-commit run the framework stashes unstaged changes, so the working tree is what gets committed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from jinja2 import Environment, TemplateSyntaxError, meta

from promptgit.errors import GitError, ObjectTooLargeError, PromptgitError, PromptSyntaxError
from promptgit.findings import Finding, Severity
from promptgit.format.prompt import PromptDocument, parse_document
from promptgit.format.templating import make_environment, may_reference_templates
from promptgit.sources.source import PromptSource
from promptgit.store.changes import Base, base_source, resolve_base
from promptgit.store.labels_file import entry_nodes
from promptgit.store.lineage import ReleaseLines, missing_tags_reason
from promptgit.store.selectors import is_version
from promptgit.store.workspace import Workspace, open_store
from promptgit.validation.bumps import release_findings
from promptgit.validation.split_rules import check_splits

if TYPE_CHECKING:
    from promptgit.store.gitstore import GitStore


def check_versions(
    workspace: Workspace,
    base_ref: str | None,
    paths: Sequence[Path] | None = None,
    parsed: Mapping[str, tuple[str, PromptDocument]] | None = None,
    label_entries: Collection[tuple[str, str]] | None = None,
) -> Iterator[Finding]:
    """Findings PG5xx: bumps, monotonic versions, immutable releases, labels pointing at real releases.

    `paths`: the prompts to judge (None: every prompt); their tags are all that is listed.
    `label_entries`: the (label, prompt) entries of the labels file to judge (None: every entry; a
    commit judges the entries it touches, hooks.py), so a one-prompt commit costs what it changes.
    `parsed`: name -> (text, document) the file rules of the same run parsed (validation/checker.py);
    a document whose text is the file's now is used instead of parsing the file again."""
    store = open_store(workspace)
    if store is None:
        return
    try:
        base = resolve_base(store, base_ref)
        at_base = base_source(workspace, store, base)
        touched = None if label_entries is None else frozenset(label_entries)
        labels = _labels(workspace) if touched is None or touched else None
        missing = missing_tags_reason(store, _labelled(store, at_base))
        files = workspace.prompt_files() if paths is None else paths
        names = None if paths is None else [name for name in map(workspace.name_of, map(Path, paths)) if name]
        lines = ReleaseLines(workspace, store, names)
        partials = _PartialChanges(workspace.source, at_base) if at_base is not None else None
        for path in files:
            name = workspace.name_of(Path(path))
            if name is None or not Path(path).is_file():
                continue
            if missing is not None:  # one finding for the run, on the first prompt
                yield Finding(workspace.display_path(Path(path)), 1, 1, "PG507", _missing_message(missing))
                missing = None
                labels = None  # every label would be "not released": the PG507 above says why
            try:
                yield from _check_prompt(workspace, lines, base, partials, name, parsed or {})
            except (ObjectTooLargeError, PromptSyntaxError) as exc:  # a release too large to compare
                message = f"cannot compare with git: {exc}"
                yield Finding(workspace.display_path(Path(path)), 1, 1, "PG104", message, Severity.ERROR)
        if missing is not None and labels is not None:
            yield Finding(labels.path, 1, 1, "PG507", _missing_message(missing))
        elif labels is not None:
            yield from _check_labels(workspace, lines, at_base, base.label, labels, touched)
    finally:
        store.close()


def _labelled(store: GitStore, at_base: PromptSource | None) -> bool:
    """Whether labels.yaml at the base names a version: committed labels mean releases were made."""
    if at_base is None:
        return False
    try:
        return any(store.labels(at_base).values())
    except PromptgitError:
        return False  # a malformed labels file is the schema rules' to report


def _missing_message(reason: str) -> str:
    return (
        f"no release tags (refs/tags/prompts/*) in this repository: {reason} "
        "(GitHub Actions: actions/checkout with fetch-depth: 0); without them every version looks unreleased"
    )


def _check_prompt(
    workspace: Workspace,
    lines: ReleaseLines,
    base: Base,
    partials: _PartialChanges | None,
    name: str,
    parsed: Mapping[str, tuple[str, PromptDocument]],
) -> Iterator[Finding]:
    try:
        found = workspace.source.read_prompt(name)
        if found is None:
            return
        known = parsed.get(name)
        if known is not None and known[1].path == found.path and known[0] == _text(found.data):
            document = known[1]
        else:
            document = parse_document(name, found.path, found.data)
    except PromptSyntaxError:
        return  # the file rules report it (unreadable, or no parse); without a version nothing to compare
    version = document.version
    if not is_version(version):
        return  # the schema rules report it
    position = document.front.position(("version",))
    found_here = list(release_findings(lines, document, found.data, position))
    yield from found_here
    if found_here or partials is None or version not in lines.store.release_versions(name):
        return  # an unreleased version gets the partials' changes when it is released
    changed = partials.of(document)
    if changed:
        yield Finding(
            found.path,
            *position,
            "PG506",
            f"{name} includes {', '.join(changed)}, changed since {base.label}, but stays at {version}, "
            "which is released: the change reaches no release of it until its version is bumped",
            Severity.WARNING,
        )


def _text(data: bytes) -> str | None:
    """The text the file rules parsed (decoded, BOM dropped); None when it is not UTF-8."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return None


class _PartialChanges:
    """Which partials differ between the working tree and the base: each template parsed once and each
    partial compared once per run, however many prompts include it (the unchanged prompts of a large
    library all come here)."""

    def __init__(self, current: PromptSource, base: PromptSource) -> None:
        self.current = current
        self.base = base
        self.environment = make_environment(current.read_partial)
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
                changed.append(self.current.path_of(included))
            if included not in self._includes:
                text = self.current.read_partial(included)
                self._includes[included] = self._referenced(text) if text is not None else []
            pending.extend(self._includes[included])
        return sorted(changed)

    def _referenced(self, source: str) -> list[str]:
        return _referenced(self.environment, source)

    def _differs(self, included: str) -> bool:
        if included not in self._changed:
            text = self.current.read_partial(included)
            before = self.base.read_partial(included)
            self._changed[included] = (
                text is not None and before is not None and text.replace("\r\n", "\n") != before
            )
        return self._changed[included]


@dataclass(frozen=True)
class _LabelsFile:
    """The working tree's labels file: as shown, its text, and its entries with their positions."""

    path: str
    text: str
    entries: list[tuple[str, str, str, int, int]]


def _labels(workspace: Workspace) -> _LabelsFile | None:
    """The labels file of the working tree (read once); None when there is none or it does not parse."""
    try:
        found = workspace.source.read_labels()
        if found is None:
            return None
        text = found.data.decode("utf-8")
        return _LabelsFile(found.path, text, list(label_entries(text)))
    except (yaml.YAMLError, UnicodeDecodeError, ValueError, PromptSyntaxError):
        return None  # the schema rules (PG203) report a malformed labels file


def _check_labels(
    workspace: Workspace,
    lines: ReleaseLines,
    at_base: PromptSource | None,
    base_label: str,
    labels: _LabelsFile,
    touched: frozenset[tuple[str, str]] | None,
) -> Iterator[Finding]:
    from promptgit.store.releases import release_tag

    store, shown = lines.store, labels.path
    if touched is None:
        existing = {name for name in (workspace.name_of(file) for file in workspace.prompt_files()) if name}
    else:  # only the touched entries' prompts are looked up, not the whole library listed
        existing = {name for _, name in touched if _exists(workspace, name)}
    yield from check_splits(shown, labels.text, lines, existing, at_base, base_label, touched)
    # a removed entry is not among the touched ones (it is not in the file): its prompt is looked up alone
    yield from _removed_entries(
        store, at_base, shown, labels.text, lambda name: name in existing or _exists(workspace, name)
    )
    renames: dict[str, str] | None = None
    for label, name, version, line, column in labels.entries:
        if touched is not None and (label, name) not in touched:
            continue
        if name not in existing:
            removed = at_base is not None and at_base.read_prompt(name) is not None
            if removed and renames is None:
                renames = _renamed_prompts(store, at_base)
            if removed and renames and name in renames:
                yield Finding(
                    shown,
                    line,
                    column,
                    "PG511",
                    f"label {label} points at {name}, renamed to {renames[name]} since {base_label}: the "
                    f"label keeps serving {name}'s releases (release tags are never moved); release "
                    f"{renames[name]}, then point labels and callers at it",
                    Severity.WARNING,
                )
                continue
            why = f"was removed since {base_label}" if removed else "does not exist"
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


def _exists(workspace: Workspace, name: str) -> bool:
    """Whether prompt `name` is in the working tree, as `Workspace.prompt_files` would list it."""
    path = workspace.path_of(name)
    return path.is_file() and workspace.name_of(path) == name and not workspace.is_ignored(path)


def prompts_including(workspace: Workspace, partials: Collection[str]) -> list[Path]:
    """The prompts that include one of `partials` (template names, `partials/x.j2`), directly or through
    other partials: what a commit that changes those partials may break. Files without an include or
    import tag are not parsed."""
    wanted = set(partials)
    if not wanted:
        return []
    source = workspace.source
    environment = make_environment(source.read_partial)
    references: dict[str, list[str]] = {}

    def reaches(included: str, seen: set[str]) -> bool:
        if included in wanted:
            return True
        if included in seen:
            return False
        seen.add(included)
        if included not in references:
            text = source.read_partial(included)
            references[included] = _referenced(environment, text) if text is not None else []
        return any(reaches(each, seen) for each in references[included])

    found = []
    for path in workspace.prompt_files():
        try:
            text = _text(workspace.read_file(path))
        except PromptSyntaxError:
            continue  # the file rules report an unreadable file
        if text is not None and any(reaches(each, set()) for each in _referenced(environment, text)):
            found.append(path)
    return found


def _referenced(environment: Environment, source: str) -> list[str]:
    """The templates `source` includes or imports by constant name (not parsed when it has no such tag:
    most prompts)."""
    if not may_reference_templates(source):
        return []
    try:
        ast = environment.parse(source)
    except TemplateSyntaxError:
        return []  # the parse rules report it
    return [name for name in meta.find_referenced_templates(ast) if name is not None]


def _renamed_prompts(store: GitStore, at_base: PromptSource | None) -> dict[str, str]:
    """old name -> new name for the prompts git sees renamed between the base commit and the working tree
    (its rename detection: similar content, `git mv` or not)."""
    if at_base is None or at_base.commit is None:
        return {}
    from promptgit.format.prompt import SUFFIX

    prompts_dir = getattr(at_base, "prompts_dir", "prompts")
    try:
        out = store.run_git("diff", "-M", "--name-status", "-z", at_base.commit, "--", f"{prompts_dir}/")
    except GitError:
        return {}
    fields = iter(out.split("\0"))
    prefix = "" if prompts_dir == "." else f"{prompts_dir}/"
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
    at_base: PromptSource | None,
    shown: str,
    text: str,
    exists: Callable[[str], bool],
) -> Iterator[Finding]:
    """PG510 (warning): an entry the base's labels file has and this one lacks, for a prompt that still
    exists. The loader answers `name@label` from the labels file: once the entry is gone every replica
    raises PromptNotFoundError for it within its cache TTL, which is an outage unless no caller uses it."""
    if at_base is None:
        return
    try:
        before = store.labels(at_base)
    except PromptgitError:
        return  # a malformed labels file at the base: nothing to compare with
    now = {(label, node.value) for label, node, _ in entry_nodes(text)}  # splits included
    label_lines = _label_lines(text)
    for label, named in before.items():
        for name in named:
            if (label, name) in now or not exists(name):
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
