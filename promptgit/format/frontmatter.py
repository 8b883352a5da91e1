"""Split a prompt file into YAML front matter and Jinja body, keeping real line numbers.

Every position reported anywhere in promptgit is a line of the file as the user sees it, so the
front matter is parsed with a line offset and the body remembers the line it starts on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from promptgit.errors import PromptSyntaxError
from promptgit.format.yamlsafe import DuplicateKeyError, SafeLoader, check_unique_keys

FENCE = "---"
# libyaml when available (same results, several times faster), strict on duplicate keys and huge ints
_Loader = SafeLoader
JsonPath = tuple[str | int, ...]
MAX_YAML_NODES = 100_000


@dataclass(frozen=True)
class FrontMatter:
    metadata: dict[str, Any]
    body: str
    body_line: int  # 1-based line of the file on which the body starts
    marks: Mapping[JsonPath, tuple[int, int]] = field(default_factory=dict)  # path -> (line, column)

    def position(self, path: JsonPath) -> tuple[int, int]:
        """The (line, column) of the deepest key in `path` that the YAML has; the fence if none."""
        for end in range(len(path), -1, -1):
            found = self.marks.get(tuple(path[:end]))
            if found is not None:
                return found
        return (1, 1)


def decode(path: str, data: bytes) -> str:
    """Bytes to text; binary and invalid UTF-8 become PG103 with the line of the first bad byte."""
    if b"\x00" in data[:8192]:
        raise PromptSyntaxError(path, 1, 1, "PG103", "binary file (NUL byte); a prompt must be UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise PromptSyntaxError(path, line, column, "PG103", f"invalid UTF-8 ({exc.reason})") from None
    return text.removeprefix("\ufeff")


def split(path: str, text: str) -> FrontMatter:
    """Parse `---` fenced YAML at the top of `text`; raise PromptSyntaxError on anything malformed."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n").rstrip() != FENCE:
        raise PromptSyntaxError(path, 1, 1, "PG101", "missing front matter: the file must start with '---'")
    for index in range(1, len(lines)):
        if lines[index].rstrip("\r\n").rstrip() == FENCE:
            closing = index
            break
    else:
        raise PromptSyntaxError(path, 1, 1, "PG101", "front matter is not closed by a '---' line")
    yaml_text = "".join(lines[1:closing])
    metadata, marks = _load_metadata(path, yaml_text)
    body = "".join(lines[closing + 1 :])
    return FrontMatter(metadata=metadata, body=body, body_line=closing + 2, marks=marks)


class YAMLProblem(Exception):
    """A YAML document that cannot be used, with where: `kind` is syntax, too_deep or too_large."""

    def __init__(self, line: int, column: int, problem: str, kind: str = "syntax") -> None:
        super().__init__(problem)
        self.line = line
        self.column = column
        self.problem = problem
        self.kind = kind


def load_marked_yaml(text: str, line_offset: int = 0) -> tuple[Any, dict[JsonPath, tuple[int, int]]]:
    """One YAML document's data and the (line, column) of each key and item, `line_offset` lines down.

    Raises YAMLProblem for invalid YAML, nesting too deep to walk, and alias bombs (small as text,
    exponential as data: everything that walks the data would hang on them).
    """
    top = (1 + line_offset, 1)
    loader = _Loader(text)
    marks: dict[JsonPath, tuple[int, int]] = {}
    try:
        # one parse: compose keeps node marks for line numbers, then construct the data from that node
        node = loader.get_single_node()
        if node is None:
            return None, marks
        if "&" not in text and "!" not in text:
            # no anchors (so no aliases) and no explicit tags: plain maps, lists and scalars, built in one
            # walk with the marks (PyYAML's constructor is half the time of a front matter)
            try:
                return _PlainBuilder(loader, marks, line_offset).build(node, ()), marks
            except _PlainBuilder.NotPlain:
                marks.clear()
        data = loader.construct_document(node)
    except _PlainBuilder.TooLarge:
        raise YAMLProblem(*top, f"expands to over {MAX_YAML_NODES} YAML nodes", "too_large") from None
    except RecursionError:  # [[[[...]]]] thousands deep: hostile input, not a crash
        raise YAMLProblem(*top, "nested too deeply", "too_deep") from None
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        line, column = (mark.line + 1 + line_offset, mark.column + 1) if mark else top
        problem = f"duplicate key {exc.key!r} (first on line {exc.first_line + line_offset})"
        raise YAMLProblem(line, column, problem, "duplicate_key") from None
    except yaml.MarkedYAMLError as exc:
        if "nesting depth" in str(exc.problem):
            # PyYAML >= 6.0.4 stops at a depth limit where older versions overflow the stack: the same
            # problem either way, so output does not depend on the PyYAML version
            raise YAMLProblem(*top, "nested too deeply", "too_deep") from None
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + line_offset) if mark else top[0]
        column = (mark.column + 1) if mark else 1
        raise YAMLProblem(line, column, exc.problem or exc.context or "invalid YAML") from None
    except yaml.YAMLError as exc:
        raise YAMLProblem(*top, str(exc)) from None
    finally:
        loader.dispose()
    if expanded_size(node, MAX_YAML_NODES) > MAX_YAML_NODES:
        raise YAMLProblem(*top, f"expands to over {MAX_YAML_NODES} YAML nodes", "too_large")
    try:
        _collect_marks(node, (), marks, line_offset)
    except RecursionError:  # deep enough for the C parser, too deep for a recursive walk
        raise YAMLProblem(*top, "nested too deeply", "too_deep") from None
    return data, marks


_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


class _PlainBuilder:
    """The data of a composed document without aliases or explicit tags, and the marks, in one walk.

    Scalars other than strings go through the loader's own constructors, so values are exactly PyYAML's;
    anything else (a merge key `<<`, a mapping as a key) raises NotPlain for the full constructor.
    """

    class NotPlain(Exception):
        pass

    class TooLarge(Exception):
        pass

    def __init__(self, loader: Any, marks: dict[JsonPath, tuple[int, int]], line_offset: int) -> None:
        self.loader = loader
        self.marks = marks
        self.line_offset = line_offset
        self.budget = MAX_YAML_NODES

    def build(self, node: yaml.Node, path: JsonPath) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise self.TooLarge
        tag = node.tag
        if isinstance(node, yaml.ScalarNode):
            return node.value if tag == _STR_TAG else self.loader.construct_object(node)
        if isinstance(node, yaml.MappingNode) and tag == _MAP_TAG:
            mapping: dict[Any, Any] = {}
            check_unique_keys(node)
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    raise self.NotPlain
                key = self.build(key_node, path)
                child = (*path, key_node.value)
                self.marks[child] = _mark(key_node, self.line_offset)
                mapping[key] = self.build(value_node, child)
            return mapping
        if isinstance(node, yaml.SequenceNode) and tag == _SEQ_TAG:
            items = []
            for index, item in enumerate(node.value):
                child = (*path, index)
                self.marks[child] = _mark(item, self.line_offset)
                items.append(self.build(item, child))
            return items
        raise self.NotPlain


def _load_metadata(path: str, text: str) -> tuple[dict[str, Any], dict[JsonPath, tuple[int, int]]]:
    try:
        data, marks = load_marked_yaml(text, line_offset=1)
    except YAMLProblem as problem:
        if problem.kind == "duplicate_key":
            raise PromptSyntaxError(path, problem.line, problem.column, "PG107", problem.problem) from None
        if problem.kind == "too_deep":
            message = "front matter is nested too deeply"
        elif problem.kind == "too_large":
            message = f"front matter {problem.problem} (nested aliases)"
        else:
            message = f"YAML front matter: {problem.problem}"
        raise PromptSyntaxError(path, problem.line, problem.column, "PG101", message) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PromptSyntaxError(path, 2, 1, "PG101", "front matter must be a YAML mapping")
    return data, marks


def expanded_size(node: yaml.Node, limit: int) -> int:
    """Nodes of the document with every alias expanded, counted up to `limit + 1` (a YAML alias bomb
    is small as text and exponential as data; everything that walks the data would hang on it)."""
    count, stack = 0, [node]
    while stack and count <= limit:
        current = stack.pop()
        count += 1
        if isinstance(current, yaml.MappingNode):
            stack.extend(item for pair in current.value for item in pair)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return count


def _mark(node: yaml.Node, line_offset: int) -> tuple[int, int]:
    """Where a node starts, as 1-based (line, column) of the file."""
    return node.start_mark.line + 1 + line_offset, node.start_mark.column + 1


def _collect_marks(
    node: yaml.Node, path: JsonPath, marks: dict[JsonPath, tuple[int, int]], line_offset: int
) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            child = (*path, key)
            marks[child] = _mark(key_node, line_offset)
            _collect_marks(value_node, child, marks, line_offset)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            marks[child] = _mark(item, line_offset)
            _collect_marks(item, child, marks, line_offset)
