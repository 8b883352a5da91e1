"""`prompts/labels.yaml`: parsing it, and editing it as text so comments, order and layout survive.

The file is composed (not loaded) to find where each node sits; only the one value that changes is
rewritten, or one line is inserted. Flow mappings (`production: {a: 1.0.0}`) are rewritten as a whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from promptgit.errors import ConfigError, GitError
from promptgit.format.yamlsafe import SafeLoader
from promptgit.sources.source import LABELS_FILE
from promptgit.store.selectors import LABEL_PATTERN
from promptgit.store.traffic_split import LabelEntry, Split, make_split

RESERVED = frozenset({"latest", "worktree"})
_Loader = SafeLoader  # strict: a key given twice or a 5000-digit number is an error, not a surprise


@dataclass(frozen=True)
class LabelChange:
    text: str  # the new file content
    previous: LabelEntry | None  # what the label pointed at before (a version or a split), if anything


def check_label(label: str) -> None:
    if not LABEL_PATTERN.match(label) or label in RESERVED:
        raise ConfigError(
            f"invalid label {label!r}: lowercase letters, digits, '-' and '_', starting with a letter; "
            "not 'latest' or 'worktree'"
        )


def set_label(text: str, label: str, name: str, version: str) -> LabelChange:
    """`text` with `label` -> `name` -> `version` (ending a split, if there was one); ConfigError when the
    file is not a labels mapping."""
    return _set_entry(text, label, name, version, version)


def set_split(text: str, label: str, name: str, split: Split) -> LabelChange:
    """`text` with `label` -> `name` -> the weights of `split`, written as a flow mapping on one line."""
    return _set_entry(text, label, name, split, split_text(split))


def split_text(split: Split) -> str:
    return "{" + ", ".join(f"{version}: {weight}" for version, weight in split.weights) + "}"


def _set_entry(text: str, label: str, name: str, entry: LabelEntry, written: str) -> LabelChange:
    check_label(label)
    current = parse_labels(text, LABELS_FILE) if text.strip() else {}
    previous = current.get(label, {}).get(name)
    root = _compose(text)
    if root is None:
        return LabelChange(_append_label(text, label, name, written), None)
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        # `{}` as `init` writes it, or a flow mapping: only the node is rewritten, comments around it stay
        labels = {**current, label: {**current.get(label, {}), name: entry}}
        return LabelChange(_replace_node(text, root, _dump(labels)), previous)
    for key_node, value_node in root.value:
        if key_node.value != label:
            continue
        if isinstance(value_node, yaml.MappingNode) and not value_node.value:
            # `label: {}` (an empty flow mapping) becomes a block mapping, the layout entries are added in
            indent = " " * (key_node.start_mark.column + 2)
            before = text[: value_node.start_mark.index].rstrip(" \t")
            line = f"\n{indent}{name}: {written}"
            return LabelChange(before + line + text[value_node.end_mark.index :], previous)
        if isinstance(value_node, yaml.MappingNode):
            return LabelChange(_set_in_mapping(text, value_node, name, written), previous)
        # `label:` with nothing under it: the entry goes on the next line
        line_end = _line_end(text, key_node.end_mark.index)
        line = f"  {name}: {written}\n"
        return LabelChange(_terminated(text[:line_end]) + line + text[line_end + 1 :], previous)
    return LabelChange(_append_label(text, label, name, written), None)


def unset_label(text: str, label: str, name: str) -> LabelChange:
    """`text` without the entry `label` -> `name` (a label left empty goes too); `previous` None when the
    entry was not there (then `text` is returned unchanged). Comments and layout elsewhere survive."""
    check_label(label)
    current = parse_labels(text, LABELS_FILE) if text.strip() else {}
    previous = current.get(label, {}).get(name)
    if previous is None:
        return LabelChange(text, None)
    remaining = {key: value for key, value in current[label].items() if key != name}
    labels = {key: (remaining if key == label else value) for key, value in current.items()}
    if not remaining:
        del labels[label]
    root = _compose(text)
    assert isinstance(root, yaml.MappingNode)  # parse_labels found the entry, so the root is a mapping
    for key_node, value_node in root.value:
        if key_node.value != label:
            continue
        if root.flow_style or value_node.flow_style or not remaining:
            if root.flow_style or (not remaining and len(root.value) == 1):
                return LabelChange(_replace_node(text, root, _dump(labels) if labels else "{}"), previous)
            if remaining:
                return LabelChange(_replace_node(text, value_node, _flow(remaining)), previous)
            return LabelChange(_cut_lines(text, key_node, value_node), previous)
        for entry_key, entry_value in value_node.value:
            if entry_key.value == name:
                return LabelChange(_cut_lines(text, entry_key, entry_value), previous)
    raise AssertionError("unreachable: parse_labels found the entry")  # pragma: no cover


def _cut_lines(text: str, first: yaml.Node, last: yaml.Node) -> str:
    """`text` without the whole lines from `first`'s start to the end of `last`'s own text."""
    start = text.rfind("\n", 0, first.start_mark.index) + 1
    end = _block_end(text, last)
    if end == 0 or text[end - 1] != "\n":  # a scalar's end mark is on its own line: cut through its newline
        end = _line_end(text, end) + 1
    return text[:start] + text[end:]


def _replace_node(text: str, node: yaml.Node, replacement: str) -> str:
    before, after = text[: node.start_mark.index], text[node.end_mark.index :]
    return before + replacement.rstrip("\n") + (after or "\n")


def _flow(entries: dict[str, LabelEntry]) -> str:
    written = {
        key: split_text(value) if isinstance(value, Split) else value for key, value in entries.items()
    }
    return "{" + ", ".join(f"{key}: {value}" for key, value in written.items()) + "}"


def _set_in_mapping(text: str, mapping: yaml.MappingNode, name: str, written: str) -> str:
    if mapping.flow_style:
        entries = {key.value: _source(text, value) for key, value in mapping.value}
        entries[name] = written
        flow = "{" + ", ".join(f"{key}: {value}" for key, value in entries.items()) + "}"
        return text[: mapping.start_mark.index] + flow + text[mapping.end_mark.index :]
    for key_node, value_node in mapping.value:
        if key_node.value != name:
            continue
        start, end = value_node.start_mark.index, value_node.end_mark.index
        if isinstance(value_node, yaml.MappingNode) and not value_node.flow_style:
            # a split written as a block under the name: the new value replaces it on the name's line
            start, end = key_node.end_mark.index, _block_end(text, value_node)
            return text[:start] + f": {written}" + text[end:]
        quote = text[start] if text[start : start + 1] in ("'", '"') else ""
        quoted = quote if not written.startswith("{") else ""
        return text[:start] + f"{quoted}{written}{quoted}" + text[end:]
    last_value = mapping.value[-1][1]
    indent = " " * mapping.value[0][0].start_mark.column
    line_end = _line_end(text, _block_end(text, last_value))
    return _terminated(text[:line_end]) + f"{indent}{name}: {written}\n" + text[line_end + 1 :]


def _source(text: str, node: yaml.Node) -> str:
    return text[node.start_mark.index : node.end_mark.index].strip()


def _block_end(text: str, node: yaml.Node) -> int:
    """Where a node's own text ends: a block mapping's end mark lies past trailing blank lines and comments,
    so use the end of its last value instead."""
    while isinstance(node, yaml.MappingNode) and node.value and not node.flow_style:
        node = node.value[-1][1]
    return node.end_mark.index


def _line_end(text: str, index: int) -> int:
    """Index of the newline ending the line that holds `index` (len(text) when it is the last line)."""
    found = text.find("\n", index)
    return len(text) if found < 0 else found


def _terminated(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


def _append_label(text: str, label: str, name: str, version: str) -> str:
    return _terminated(text) + f"{label}:\n  {name}: {version}\n"


# The plain block layout almost every labels file has (`label:` then `  name: x.y.z` lines, comments and
# blank lines between), read line by line: a large library's labels file costs a YAML parser tens of
# milliseconds on every cold start. Anything else (quotes, flow mappings, splits, tabs, CRLF, a
# duplicate, a word YAML reads as a boolean or null) goes to the YAML parser, which also reports errors.
# tests/store/test_labels_file.py checks that both agree on every file the fast path accepts.
_FAST_LABEL = re.compile(r"([a-z][a-z0-9_-]*):[ ]*(?:[ ]#[^\n]*)?")
_FAST_ENTRY = re.compile(
    r"( +)([A-Za-z_][A-Za-z0-9_./-]*):[ ]+"
    r"([0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)[ ]*(?:[ ]#[^\n]*)?"
)
_FAST_SKIP = re.compile(r"[ ]*(?:#[^\n]*)?")
# plain scalars YAML 1.1 (PyYAML) reads as booleans or null, not strings
_YAML_WORDS = frozenset(
    word
    for base in ("yes", "no", "true", "false", "on", "off", "null")
    for word in (base, base.capitalize(), base.upper())
)


def _plain_labels(text: str) -> dict[str, dict[str, LabelEntry]] | None:
    """The labels of a file in the plain block layout; None for anything else (see above)."""
    if "\r" in text or "\t" in text or text.startswith("\ufeff"):
        return None
    labels: dict[str, dict[str, LabelEntry]] = {}
    entries: dict[str, LabelEntry] | None = None
    indent = None
    for line in text.split("\n"):
        if (entry := _FAST_ENTRY.fullmatch(line)) is not None:
            spaces, name, version = entry.groups()
            if entries is None or name in entries or name in _YAML_WORDS or indent not in (None, spaces):
                return None
            indent = spaces
            entries[name] = version
        elif (label := _FAST_LABEL.fullmatch(line)) is not None:
            name = label.group(1)
            if name in labels or name in _YAML_WORDS:
                return None
            entries = labels[name] = {}
        elif _FAST_SKIP.fullmatch(line) is None:
            return None
    return labels


def parse_labels(data: bytes | str, where: str) -> dict[str, dict[str, LabelEntry]]:
    """labels.yaml text -> {label: {prompt: version or Split}}; GitError naming `where` when malformed."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = ""  # the YAML parser names the problem
    else:
        text = data
    plain = _plain_labels(text) if text else None
    return plain if plain is not None else _yaml_labels(data, where)


def _yaml_labels(data: bytes | str, where: str) -> dict[str, dict[str, LabelEntry]]:
    """parse_labels through the YAML parser: any layout, and the errors named."""
    try:
        loaded: Any = yaml.load(data, Loader=_Loader) if data else None  # a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None)
        detail = f" ({problem})" if problem else ""
        raise GitError(f"{where}{line}: labels file is not valid YAML{detail}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict) or not all(isinstance(v, dict) or v is None for v in loaded.values()):
        raise GitError(f"{where}: labels file must map label -> {{prompt: version}}")
    return {
        str(label): {
            str(prompt): _entry(value, f"{where}: {label}.{prompt}")
            for prompt, value in (entries or {}).items()
        }
        for label, entries in loaded.items()
    }


def _entry(value: Any, where: str) -> LabelEntry:
    """One label entry: a version, or {version: weight} (a traffic split, see store/traffic_split.py)."""
    if not isinstance(value, dict):
        return str(value)
    try:
        return make_split({str(version): weight for version, weight in value.items()})
    except ValueError as exc:
        raise GitError(f"{where}: invalid split: {exc}") from None


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"labels.yaml is not valid YAML: {exc}") from None


def _dump(labels: dict[str, dict[str, LabelEntry]]) -> str:
    plain = {
        label: {
            name: dict(entry.weights) if isinstance(entry, Split) else entry
            for name, entry in entries.items()
        }
        for label, entries in labels.items()
    }
    return yaml.safe_dump(plain, sort_keys=False, default_flow_style=False)


def entry_nodes(text: str) -> Iterator[tuple[str, yaml.ScalarNode, yaml.Node]]:
    """(label, prompt name node, value node) of every entry of a labels file, for rules that report the
    value's position; ValueError when the file is not a mapping."""
    root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if root is None:
        return
    if not isinstance(root, yaml.MappingNode):
        raise ValueError("labels file must be a mapping")
    for label_node, prompts_node in root.value:
        if isinstance(prompts_node, yaml.MappingNode):
            for name_node, value_node in prompts_node.value:
                if isinstance(name_node, yaml.ScalarNode):
                    yield str(label_node.value), name_node, value_node
