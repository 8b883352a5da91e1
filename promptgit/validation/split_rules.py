"""Rules for traffic splits in labels.yaml (`content/hook: {1.2.0: 90, 1.3.0: 10}`).

- PG504 / PG505 as for one version: each version of a split must be released, the prompt must exist;
- PG508 the weights of a split must sum to 100 (their types and range are the schema's, PG203);
- PG509 the versions of a split must require the same inputs: the caller passes one set of inputs to
  whichever version a user is assigned, so an input only one variant requires breaks the other's callers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import yaml

from promptgit.errors import PromptgitError
from promptgit.findings import Finding
from promptgit.format.inputs import is_required
from promptgit.store.labels_file import entry_nodes
from promptgit.store.selectors import is_version
from promptgit.store.traffic_split import TOTAL_WEIGHT

if TYPE_CHECKING:
    from promptgit.sources.source import PromptSource
    from promptgit.store.lineage import ReleaseLines


@dataclass(frozen=True)
class SplitEntry:
    """One split of a labels file, with the positions of its parts (1-based line and column)."""

    label: str
    name: str
    position: tuple[int, int]  # of the split's mapping
    weights: tuple[tuple[str, object, tuple[int, int]], ...]  # version, weight as written, its position


def split_entries(text: str) -> Iterator[SplitEntry]:
    """Every entry of a labels file whose value is a mapping (a split); ValueError when not a mapping."""
    for label, name_node, value_node in entry_nodes(text):
        if not isinstance(value_node, yaml.MappingNode):
            continue
        weights = tuple(
            (str(version.value), _weight(weight), _position(version))
            for version, weight in value_node.value
            if isinstance(version, yaml.ScalarNode)
        )
        yield SplitEntry(label, str(name_node.value), _position(value_node), weights)


def _weight(node: yaml.Node) -> object:
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:int":
        try:
            return int(node.value)
        except ValueError:
            return node.value
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def check_splits(
    shown: str,
    text: str,
    lines: ReleaseLines,
    existing: set[str],
    at_base: PromptSource | None,
    base_label: str,
) -> Iterator[Finding]:
    """Findings for the splits of labels file `text` (shown as `shown`); `existing` are the prompt names of
    the working tree, `at_base` the prompts at the base ref (`base_label`), to say a prompt was removed."""
    from promptgit.store.releases import release_tag

    store = lines.store
    try:
        entries = list(split_entries(text))
    except (yaml.YAMLError, ValueError):
        return  # the schema rules (PG203) report a malformed labels file
    for entry in entries:
        label, name = entry.label, entry.name
        line, column = entry.position
        if name not in existing:
            removed = at_base is not None and at_base.read_prompt(name) is not None
            why = f"was removed since {base_label}" if removed else "does not exist"
            yield Finding(shown, line, column, "PG505", f"label {label} points at {name}, which {why}")
            continue
        if not all(isinstance(weight, int) and is_version(version) for version, weight, _ in entry.weights):
            continue  # the schema rules (PG203) report versions and weights of the wrong shape
        total = sum(weight for _, weight, _ in entry.weights if isinstance(weight, int))
        if total != TOTAL_WEIGHT:
            yield Finding(
                shown,
                line,
                column,
                "PG508",
                f"label {label} splits {name} with weights that sum to {total}, not {TOTAL_WEIGHT}",
            )
        released = set(store.release_versions(name))
        for version, weight, (version_line, version_column) in entry.weights:
            if version not in released:
                yield Finding(
                    shown,
                    version_line,
                    version_column,
                    "PG504",
                    f"label {label} splits {name} to {version} ({weight}%), which is not released "
                    f"(no tag {release_tag(name, version)}); release it first",
                )
        versions = [version for version, _, _ in entry.weights if version in released]
        yield from _inputs_differ(shown, entry, lines, versions)


def _inputs_differ(
    shown: str, entry: SplitEntry, lines: ReleaseLines, versions: list[str]
) -> Iterator[Finding]:
    required: dict[str, frozenset[str]] = {}
    for version in versions:
        try:
            document = lines.release_source(entry.name, version).document(entry.name)
            if document is None:
                continue
            inputs = document.inputs
        except PromptgitError:
            continue  # a release that does not parse is reported where it was made
        required[version] = frozenset(input_name for input_name, spec in inputs.items() if is_required(spec))
    if len(set(required.values())) <= 1:
        return
    first, *others = required
    for other in others:
        if required[other] == required[first]:
            continue
        only_other = ", ".join(sorted(required[other] - required[first]))
        only_first = ", ".join(sorted(required[first] - required[other]))
        what = "; ".join(
            part
            for part in (
                f"{other} requires {only_other} and {first} does not" if only_other else "",
                f"{first} requires {only_first} and {other} does not" if only_first else "",
            )
            if part
        )
        line, column = entry.position
        yield Finding(
            shown,
            line,
            column,
            "PG509",
            f"label {entry.label} splits {entry.name} between versions whose required inputs differ: {what} "
            "(callers pass the same inputs to every variant)",
        )
