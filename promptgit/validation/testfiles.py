"""Test files of prompts (`prompts/NAME.tests.yaml`): parsed with the line of every value, and checked.

A tests file is never a prompt and never a reason for a version bump: it is read by `promptgit test`
(promptgit.testrunner, which parses it here too, so the validator and the runner agree on the format) and
checked by `promptgit validate` against schemas/tests.schema.json, plus what a schema cannot say: RE2
patterns that compile, `python` values of the form module:function, judge selectors that parse, the
shape of each render check's value, a tests file beside a prompt that exists. Every finding is PG220 at
the line of the value it is about.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import yaml

from promptgit.findings import Finding, Severity
from promptgit.format.yamlsafe import SafeLoader

if TYPE_CHECKING:
    import pathlib

    from promptgit.store.workspace import Workspace

TESTS_SUFFIX = ".tests.yaml"
CODE = "PG220"

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class TestsDocument:
    """A parsed tests file: its data, and the 1-based line of every mapping, sequence and value in it."""

    path: str  # as shown, from the repository root
    data: dict[str, Any]
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Sequence[str | int]) -> int:
        """The line of the value at `path`, or of its nearest enclosing value."""
        parts = tuple(path)
        while parts:
            if parts in self.lines:
                return self.lines[parts]
            parts = parts[:-1]
        return self.lines.get((), 1)


class TestsFileError(ValueError):
    """A tests file that cannot be used; `findings` say where and why."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__("; ".join(item.format() for item in findings))
        self.findings = findings


def prompt_of(relative: str) -> str | None:
    """`content/hook.tests.yaml` (under the prompts dir) -> `content/hook`; None for other files."""
    return relative.removesuffix(TESTS_SUFFIX) if relative.endswith(TESTS_SUFFIX) else None


def parse_tests(path: str, text: str | bytes) -> TestsDocument:
    """The tests file `text` (shown as `path`), checked; TestsFileError with every finding otherwise."""
    document, found = read_tests(path, text)
    if document is None or any(item.severity is Severity.ERROR for item in found):
        raise TestsFileError(found)
    return document


def read_tests(path: str, text: str | bytes) -> tuple[TestsDocument | None, list[Finding]]:
    """(document or None, findings): what `promptgit validate` reports for one tests file."""
    loader = SafeLoader(text)
    try:
        # one parse: the node tree gives the lines, and the same loader builds the data from it
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [Finding(path, line, column, CODE, f"invalid YAML: {exc.problem or exc}")]
    except yaml.YAMLError as exc:
        return None, [Finding(path, 1, 1, CODE, f"invalid YAML: {exc}")]
    finally:
        loader.dispose()
    lines: dict[Path, int] = {}
    if node is not None:
        _mark_lines(node, (), lines)
    document = TestsDocument(path, data if isinstance(data, dict) else {}, lines)
    if not isinstance(data, dict):
        return document, [
            Finding(path, 1, 1, CODE, "a tests file is a mapping with `cases:` (docs/testing.md)")
        ]
    found = list(_schema_findings(document))
    if not found:
        found.extend(_value_findings(document))
    return document, sorted(found)


def _mark_lines(node: yaml.Node, path: Path, lines: dict[Path, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                _mark_lines(value, (*path, str(key.value)), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _mark_lines(item, (*path, index), lines)


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    from promptgit.resources import schema

    return Draft202012Validator(schema("tests"))


@cache
def _fast_check() -> Any:
    from promptgit.format.fastcheck import schema_fast_check
    from promptgit.resources import schema

    return schema_fast_check(schema("tests"))


def _schema_findings(document: TestsDocument) -> Iterator[Finding]:
    accepts = _fast_check()
    if accepts is not None and accepts(document.data):
        return  # the fast path (fastjsonschema); jsonschema, 0.2 s to import, words the errors
    for error in _validator().iter_errors(document.data):
        where = list(error.absolute_path)
        shown = ".".join(str(part) for part in where) or "(top level)"
        message = error.message
        if error.validator == "enum" and where and where[-1] == "type":
            message = f"unknown type {error.instance!r} (docs/testing.md lists the types)"
        yield Finding(document.path, document.line(where), 1, CODE, f"{shown}: {message}")


def _value_findings(document: TestsDocument) -> Iterator[Finding]:
    data = document.data
    groups: list[tuple[Path, list[Any]]] = []
    for section in ("render", "assert"):
        groups.append((("defaults", section), (data.get("defaults") or {}).get(section) or []))
    names: dict[str, int] = {}
    for index, case in enumerate(data.get("cases") or []):
        for section in ("render", "assert"):
            groups.append((("cases", index, section), case.get(section) or []))
        name = str(case.get("name"))
        if name in names:
            line = document.line(("cases", index, "name"))
            yield Finding(document.path, line, 1, CODE, f"case {name!r} again (first on line {names[name]})")
        names.setdefault(name, document.line(("cases", index, "name")))
        if "min_pass" in case and case["min_pass"] > case.get("repeat", 1):
            line = document.line(("cases", index, "min_pass"))
            yield Finding(document.path, line, 1, CODE, "min_pass is larger than repeat")
    for where, checks in groups:
        for index, check in enumerate(checks):
            problem = check_problem(where[-1] == "render", check)
            if problem is not None:
                line = document.line((*where, index, "value") if "value" in check else (*where, index))
                shown = ".".join(str(part) for part in (*where, index))
                yield Finding(document.path, line, 1, CODE, f"{shown}: {problem}")


STRING_TYPES = {"contains", "icontains", "equals", "regex"}
LIST_TYPES = {"contains-any", "contains-all", "icontains-any", "icontains-all"}


def check_problem(render: bool, check: dict[str, Any]) -> str | None:
    """Why `check` (a render check when `render`, else an assertion) cannot run, or None."""
    kind = str(check.get("type", "")).removeprefix("not-")
    value = check.get("value")
    if kind in STRING_TYPES | {"python", "judge"} and not isinstance(value, str):
        return f"{kind} needs a string value"
    if kind in LIST_TYPES and not (
        isinstance(value, list) and value and all(isinstance(item, str) for item in value)
    ):
        return f"{kind} needs a list of strings as value"
    if kind == "regex":
        from promptgit.format.patterns import problem

        return problem(str(value))
    if kind in {"messages", "tokens", "latency"} and not (isinstance(value, int) and value >= 0):
        return f"{kind} needs a whole number as value"
    if kind == "roles" and not (isinstance(value, list) and all(isinstance(item, str) for item in value)):
        return "roles needs the list of roles, in order, as value"
    if kind == "python":
        module, _, function = str(value).partition(":")
        if (
            not module
            or not function
            or not all(part.isidentifier() for part in [*module.split("."), function])
        ):
            return f"python needs module:function (a module in the repository), not {value!r}"
    if kind == "judge":
        from promptgit.errors import SelectorError
        from promptgit.store.selectors import parse_selector

        try:
            parse_selector(str(value))
        except SelectorError as exc:
            return f"judge: {exc}"
    if kind == "similar" and not isinstance(value, str):
        return "similar needs the expected text as value"
    if kind == "json-schema" and value is not None and not isinstance(value, dict):
        return "json-schema takes a schema (a mapping) as value, or none for the prompt's `output:`"
    if render and "message" in check and kind in {"messages", "roles", "tokens"}:
        return f"{kind} checks the whole prompt; `message` does not apply"
    return None


def tests_file_findings(workspace: Workspace, path: pathlib.Path) -> list[Finding]:
    """Findings of the tests file at `path`, in `workspace`'s prompts directory."""
    from promptgit.sources.contained import UnreadableFile, printable

    try:
        shown = printable(path.relative_to(workspace.root).as_posix())
    except ValueError:
        shown = printable(path.as_posix())
    try:
        data = workspace.read_file(path, shown)
    except UnreadableFile as exc:
        return [Finding(shown, 1, 1, exc.code, exc.message)]
    _, found = read_tests(shown, data)
    relative = path.relative_to(workspace.prompts_dir).as_posix()
    prompt = workspace.prompts_dir / f"{prompt_of(relative)}.j2"
    if not prompt.exists():
        message = f"no prompt {prompt_of(relative)!r} beside it ({printable(prompt.name)} is missing)"
        found.append(Finding(shown, 1, 1, CODE, message))
    return found
