"""Static facts about Jinja templates for one validation run: variables, includes, message blocks.

`scan` walks a template's AST once and collects everything the rules need; walking it once per rule (or
with jinja2.meta, which runs a code generator) was the largest cost of validating a big library. One
`TemplateIndex` serves a whole run, so each partial is read, parsed and scanned once however many prompts
include it, and the sandboxed environment reads includes through the same cache.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from jinja2 import TemplateSyntaxError, nodes

from promptgit.format.prompt import SUFFIX
from promptgit.format.templating import is_message_block, make_environment
from promptgit.sources import PARTIALS_DIR
from promptgit.store.workspace import Workspace

# names Jinja provides inside templates (loops, macros, blocks) that are never inputs
_JINJA_NAMES = frozenset({"loop", "caller", "varargs", "kwargs", "self", "super"})
_INTERNAL_ACCESS = (nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Call)
# statements whose output is captured as a value: a message block inside one cannot make a message
_CAPTURES = (nodes.Macro, nodes.FilterBlock, nodes.CallBlock, nodes.AssignBlock)


@dataclass(frozen=True)
class Reference:
    """An `{% include %}`/`{% import %}` of a template named by a constant string."""

    names: tuple[str, ...]  # an include of a list tries each name in turn
    line: int
    shares_context: bool  # includes (and imports `with context`) see the includer's variables
    optional: bool  # `ignore missing`


@dataclass
class TemplateFacts:
    """What one walk of a template's AST found."""

    reads: dict[str, int] = field(default_factory=dict)  # name read -> first line
    binds: set[str] = field(default_factory=set)  # names the template sets itself (set, for, macro, import)
    references: list[Reference] = field(default_factory=list)
    message_blocks: list[nodes.CallBlock] = field(default_factory=list)
    captured_blocks: list[nodes.CallBlock] = field(default_factory=list)  # in a macro, set, filter, call
    stray_text: list[tuple[int, str]] = field(default_factory=list)  # literal text outside message blocks
    internal_access: list[nodes.Node] = field(default_factory=list)  # candidates for the sandbox rule

    def variables(self, globals_: frozenset[str] = frozenset()) -> dict[str, int]:
        """Names read from the context (inputs): read, never bound by the template, not a global."""
        excluded = self.binds | globals_ | _JINJA_NAMES
        return {name: line for name, line in self.reads.items() if name not in excluded}


def scan(ast: nodes.Template) -> TemplateFacts:
    """One iterative walk over the AST (deep templates must not exhaust Python's recursion)."""
    facts = TemplateFacts()
    # (node, inside a message block or macro, inside a capture)
    stack: list[tuple[nodes.Node, bool, bool]] = [(ast, False, False)]
    while stack:
        node, inside, captured = stack.pop()
        if isinstance(node, nodes.Name):
            if node.ctx == "load":
                _first(facts.reads, node.name, node.lineno)
            else:
                facts.binds.add(node.name)
        elif isinstance(node, nodes.NSRef):
            _first(facts.reads, node.name, node.lineno)
        elif isinstance(node, nodes.Output) and not inside:
            for item in node.nodes:
                if isinstance(item, nodes.TemplateData) and item.data.strip():
                    leading = item.data[: len(item.data) - len(item.data.lstrip())]
                    facts.stray_text.append((item.lineno + leading.count("\n"), item.data))
        elif isinstance(node, nodes.Macro):
            facts.binds.add(node.name)
            inside = True  # a macro's output appears where it is called: checked at render time
        elif isinstance(node, nodes.CallBlock) and is_message_block(node):
            facts.message_blocks.append(node)
            if captured:
                facts.captured_blocks.append(node)
            inside = True
        elif isinstance(node, (nodes.Include, nodes.Import, nodes.FromImport)):
            _reference(node, facts)
        if isinstance(node, _INTERNAL_ACCESS):
            facts.internal_access.append(node)
        if isinstance(node, _CAPTURES) and not (isinstance(node, nodes.CallBlock) and is_message_block(node)):
            captured = True
        for name in node.fields:
            value = getattr(node, name, None)
            if isinstance(value, nodes.Node):
                stack.append((value, inside, captured))
            elif isinstance(value, list):
                stack.extend((item, inside, captured) for item in value if isinstance(item, nodes.Node))
    return facts


def _first(reads: dict[str, int], name: str, line: int) -> None:
    known = reads.get(name)
    if known is None or line < known:
        reads[name] = line


def _reference(node: nodes.Include | nodes.Import | nodes.FromImport, facts: TemplateFacts) -> None:
    if isinstance(node, nodes.Import):
        facts.binds.add(node.target)
    elif isinstance(node, nodes.FromImport):
        facts.binds.update(name if isinstance(name, str) else name[1] for name in node.names)
    names = _constant_names(node.template)
    if names:
        optional = node.ignore_missing if isinstance(node, nodes.Include) else False
        facts.references.append(Reference(names, node.lineno, node.with_context, optional))


def _constant_names(expression: nodes.Expr) -> tuple[str, ...]:
    if isinstance(expression, nodes.Const) and isinstance(expression.value, str):
        return (expression.value,)
    if isinstance(expression, (nodes.List, nodes.Tuple)):
        items = [item.value for item in expression.items if isinstance(item, nodes.Const)]
        if len(items) == len(expression.items) and all(isinstance(item, str) for item in items):
            return tuple(items)
    return ()


class TemplateIndex:
    """Cached sources, ASTs and facts of the templates under the prompts directory, for one run."""

    def __init__(self, workspace: Workspace) -> None:
        self._workspace = workspace
        self._sources: dict[str, str | None] = {}
        self._facts: dict[str, TemplateFacts | None] = {}
        self._used: dict[str, dict[str, tuple[int, str]]] = {}
        self.environment = make_environment(self.source)
        self.globals = frozenset(self.environment.globals)

    def source(self, relative: str) -> str | None:
        if relative not in self._sources:
            self._sources[relative] = self._workspace.source.read_partial(relative)
        return self._sources[relative]

    def exists(self, relative: str) -> bool:
        return self.source(relative) is not None

    @cached_property
    def partial_names(self) -> list[str]:
        """`partials/x.j2` of every file under the partials directory, sorted (for not-found messages)."""
        base = self._workspace.prompts_dir
        found = (base / PARTIALS_DIR).rglob(f"*{SUFFIX}") if (base / PARTIALS_DIR).is_dir() else ()
        return sorted(path.relative_to(base).as_posix() for path in found)

    def facts(self, relative: str) -> TemplateFacts | None:
        """Facts of an included template; None when missing or broken (reported on that file itself)."""
        if relative not in self._facts:
            source = self.source(relative)
            try:
                ast = None if source is None else self.environment.parse(source, name=relative)
            except (TemplateSyntaxError, RecursionError):
                ast = None
            self._facts[relative] = None if ast is None else scan(ast)
        return self._facts[relative]

    def variables_of_partial(
        self, relative: str, _seen: frozenset[str] = frozenset()
    ) -> dict[str, tuple[int, str]]:
        """Variables a partial (and what it includes) reads from the includer: name -> (line, partial)."""
        if relative in self._used:
            return self._used[relative]
        facts = self.facts(relative)
        if facts is None or relative in _seen:
            return {}
        used = {name: (line, relative) for name, line in facts.variables(self.globals).items()}
        for reference in facts.references:
            if reference.shares_context:
                for name in reference.names:
                    for variable, where in self.variables_of_partial(name, _seen | {relative}).items():
                        used.setdefault(variable, where)
        self._used[relative] = used
        return used


def column_of(source_lines: list[str], line: int, word: str) -> int:
    """1-based column of the first whole-word `word` on `line`; 1 when it is not found there."""
    if not 1 <= line <= len(source_lines):
        return 1
    found = re.search(rf"(?<![\w]){re.escape(word)}(?!\w)", source_lines[line - 1])
    return found.start() + 1 if found else 1
