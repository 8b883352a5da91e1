"""Static facts about Jinja templates for one validation run: includes, variables, positions.

One `TemplateIndex` serves a whole run, so each partial is read and parsed once however many prompts
include it, and the sandboxed environment reads includes through the same cache.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from jinja2 import TemplateSyntaxError, meta, nodes

from promptgit.templating import make_environment
from promptgit.workspace import Workspace


@dataclass(frozen=True)
class Reference:
    """An `{% include %}`/`{% import %}` of a template named by a constant string."""

    names: tuple[str, ...]  # an include of a list tries each name in turn
    line: int
    shares_context: bool  # includes (and imports `with context`) see the includer's variables
    optional: bool  # `ignore missing`


class TemplateIndex:
    """Cached sources and ASTs of the templates under the prompts directory, for one run."""

    def __init__(self, workspace: Workspace) -> None:
        self._workspace = workspace
        self._sources: dict[str, str | None] = {}
        self._asts: dict[str, nodes.Template | None] = {}
        self._used: dict[str, dict[str, tuple[int, str]]] = {}
        self.environment = make_environment(self.source)

    def source(self, relative: str) -> str | None:
        if relative not in self._sources:
            self._sources[relative] = self._workspace.read_partial(relative)
        return self._sources[relative]

    def exists(self, relative: str) -> bool:
        return self.source(relative) is not None

    def ast(self, relative: str) -> nodes.Template | None:
        """The AST of an included template; None when missing or broken (reported on that file itself)."""
        if relative not in self._asts:
            source = self.source(relative)
            try:
                self._asts[relative] = (
                    None if source is None else self.environment.parse(source, name=relative)
                )
            except TemplateSyntaxError:
                self._asts[relative] = None
        return self._asts[relative]

    def variables_of_partial(
        self, relative: str, _seen: frozenset[str] = frozenset()
    ) -> dict[str, tuple[int, str]]:
        """Variables a partial (and what it includes) reads from the includer: name -> (line, partial)."""
        if relative in self._used:
            return self._used[relative]
        ast = self.ast(relative)
        if ast is None or relative in _seen:
            return {}
        used = {name: (line, relative) for name, line in variables(ast, self.environment.globals).items()}
        for reference in references(ast):
            if reference.shares_context:
                for name in reference.names:
                    for variable, where in self.variables_of_partial(name, _seen | {relative}).items():
                        used.setdefault(variable, where)
        self._used[relative] = used
        return used


def variables(ast: nodes.Template, globals_: object = ()) -> dict[str, int]:
    """Variables the template reads from its context -> line of first use (set/for/macro names excluded)."""
    names = meta.find_undeclared_variables(ast) - set(globals_)  # type: ignore[call-overload]
    first: dict[str, int] = {}
    for node in ast.find_all(nodes.Name):
        if node.ctx == "load" and node.name in names:
            first[node.name] = min(first.get(node.name, node.lineno), node.lineno)
    return first


def references(ast: nodes.Template) -> Iterator[Reference]:
    """Includes and imports whose template name is a constant (dynamic names cannot be checked)."""
    for node in ast.find_all((nodes.Include, nodes.Import, nodes.FromImport)):
        assert isinstance(node, (nodes.Include, nodes.Import, nodes.FromImport))
        names = _constant_names(node.template)
        if not names:
            continue
        if isinstance(node, nodes.Include):
            yield Reference(names, node.lineno, node.with_context, node.ignore_missing)
        else:
            yield Reference(names, node.lineno, node.with_context, False)


def _constant_names(expression: nodes.Expr) -> tuple[str, ...]:
    if isinstance(expression, nodes.Const) and isinstance(expression.value, str):
        return (expression.value,)
    if isinstance(expression, (nodes.List, nodes.Tuple)):
        items = [item.value for item in expression.items if isinstance(item, nodes.Const)]
        if len(items) == len(expression.items) and all(isinstance(item, str) for item in items):
            return tuple(items)
    return ()


def column_of(source_lines: list[str], line: int, word: str) -> int:
    """1-based column of the first whole-word `word` on `line`; 1 when it is not found there."""
    if not 1 <= line <= len(source_lines):
        return 1
    found = re.search(rf"(?<![\w]){re.escape(word)}(?!\w)", source_lines[line - 1])
    return found.start() + 1 if found else 1
