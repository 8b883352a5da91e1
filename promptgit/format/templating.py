"""The Jinja side of a prompt: a sandboxed environment, the `{% message %}` extension, rendering.

A chat prompt's message blocks render to marker-delimited chunks that are split into messages after
rendering (promptgit.format.messages: markers no rendered value can contain). This keeps rendering a
plain `Template.render` call (thread-safe, no shared state) and lets message blocks sit in loops,
conditionals and included partials.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import update_wrapper
from types import BuiltinMethodType, MethodType
from typing import Any

from jinja2 import BaseLoader, StrictUndefined, TemplateNotFound, TemplateSyntaxError, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.ext import Extension
from jinja2.parser import Parser
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedFormatter
from markupsafe import EscapeFormatter, Markup

from promptgit.format import limits, messages
from promptgit.format.messages import ROLES, Message, split_messages

__all__ = ["ROLES", "Message", "Rendered", "make_environment", "split_messages"]

Rendered = str | list[Message]
SourceLookup = Callable[[str], str | None]


class MessageExtension(Extension):
    """`{% message "role" %}...{% endmessage %}` -> one chat message (see promptgit.format.messages)."""

    tags = {"message"}  # noqa: RUF012 (Jinja declares it a mutable set)

    def parse(self, parser: Parser) -> nodes.Node:
        parser.has_message_blocks = True  # type: ignore[attr-defined]  # read by PromptEnvironment._parse
        lineno = next(parser.stream).lineno
        role = parser.parse_expression()
        body = parser.parse_statements(("name:endmessage",), drop_needle=True)
        # lines given to the new nodes directly: set_lineno would walk the whole block's body.
        # The block stays a CallBlock in the parsed AST (the validator inspects it), lowered to plain
        # output before code generation; `_wrap` is never called
        call = self.call_method("_wrap", [role], lineno=lineno)
        return nodes.CallBlock(call, [], [], body, lineno=lineno)

    def _wrap(self, role: object, caller: Callable[[], str]) -> str:  # pragma: no cover (lowered away)
        raise RuntimeError("message blocks are lowered before compiling")


# the fields that hold statements (jinja2.nodes: Template, For, If, Macro, CallBlock, FilterBlock, With,
# Block, Scope, OverlayScope, AssignBlock...); a message block is a statement, so it is only ever in one
_STATEMENT_FIELDS = ("body", "else_", "elif_")


def _lower_messages(statements: list[nodes.Node]) -> list[nodes.Node]:
    """Message blocks as plain output (marker, role, marker, body, marker) for the code generator.

    The parsed AST keeps each block as one CallBlock, which is what the validator inspects; compiled that
    way every block is a caller macro, which triples the generated code of a chat prompt and adds a macro
    call per message to every render. Lowered, a chat prompt compiles and renders like a text prompt.
    Only statement lists are walked (expressions cannot hold a block): a fraction of a full AST visit.
    """
    lowered: list[nodes.Node] = []
    for node in statements:
        for field in _STATEMENT_FIELDS:
            inner = getattr(node, field, None)
            if isinstance(inner, list):
                setattr(node, field, _lower_messages(inner))
        if isinstance(node, nodes.CallBlock) and is_message_block(node):
            lowered += messages.lowered_block(node)  # nested blocks too (above): split_messages refuses
        else:
            lowered.append(node)
    return lowered


# a tag that names another template: {% include %}, {% import %}, {% from ... import %}, {% extends %}
_REFERENCE_TAG = r"\{%[-+]?\s*(?:include|import|from|extends)\b"
_REFERENCE_TAG_TEXT = re.compile(_REFERENCE_TAG)
_REFERENCE_TAG_BYTES = re.compile(_REFERENCE_TAG.encode())


def may_reference_templates(source: str | bytes) -> bool:
    """False when the source cannot include or import another template (no such tag in its text), so that
    callers can skip parsing it to find out; True may still find none (a tag inside `{% raw %}`)."""
    pattern = _REFERENCE_TAG_BYTES if isinstance(source, bytes) else _REFERENCE_TAG_TEXT
    return pattern.search(source) is not None  # type: ignore[arg-type]


def is_chat(ast: nodes.Template) -> bool:
    """A template is a chat prompt when it has at least one message block (in its own source)."""
    return any(is_message_block(node) for node in ast.find_all(nodes.CallBlock))


def message_blocks(ast: nodes.Template) -> list[nodes.CallBlock]:
    return [node for node in ast.find_all(nodes.CallBlock) if is_message_block(node)]


def is_message_block(node: nodes.CallBlock) -> bool:
    call = node.call
    return (
        isinstance(call, nodes.Call)
        and isinstance(call.node, nodes.ExtensionAttribute)
        and (call.node.identifier.endswith("MessageExtension"))
    )


class _LookupLoader(BaseLoader):
    def __init__(self, lookup: SourceLookup) -> None:
        self.lookup = lookup

    def get_source(self, environment: Any, template: str) -> tuple[str, str | None, Callable[[], bool]]:
        source = self.lookup(template)
        if source is None:
            raise TemplateNotFound(template)
        # sources come from one immutable snapshot (a commit, or a worktree read once), so always up to date
        return source, template, lambda: True


# the public attributes of Jinja's `loop` object; the sandbox allows every one of them (tested)
SAFE_LOOP_ATTRIBUTES = frozenset(
    {"changed", "cycle", "depth", "depth0", "first", "index", "index0", "last", "length", "nextitem"}
    | {"previtem", "revindex", "revindex0"}
)
# str attributes the fast path of PromptEnvironment.getattr must not hand out as they are
_WRAPPED_STR_METHODS = frozenset({"format", "format_map"}) | limits.GROWING_METHODS


class _FinalizingCodeGenerator(CodeGenerator):
    """Jinja's code generator, with filter and call blocks finalized like `{{ }}` output.

    Jinja writes a `{% filter %}` or `{% call %}` block's result as it is; a filter with a string argument
    (`replace("a", "\\x00")`) could then emit the reserved marker character (promptgit.format.messages).
    """

    def visit_FilterBlock(self, node: nodes.FilterBlock, frame: Frame) -> None:
        filter_frame = frame.inner()
        filter_frame.symbols.analyze_node(node)
        self.enter_frame(filter_frame)
        self.buffer(filter_frame)
        self.blockvisit(node.body, filter_frame)
        self.start_write(frame, node)
        self.write("environment.finalize(")
        self.visit_Filter(node.filter, filter_frame)
        self.write(")")
        self.end_write(frame)
        self.leave_frame(filter_frame)

    def visit_CallBlock(self, node: nodes.CallBlock, frame: Frame) -> None:
        call_frame, macro_ref = self.macro_body(node, frame)
        self.writeline("caller = ")
        self.macro_def(macro_ref, call_frame)
        self.start_write(frame, node)
        self.write("environment.finalize(")
        self.visit_Call(node.call, frame, forward_caller=True)
        self.write(")")
        self.end_write(frame)


class _CappedFormatter(SandboxedFormatter):
    """The sandbox's `str.format` formatter, refusing widths and precisions over the sandbox limit."""

    def format_field(self, value: Any, format_spec: str) -> Any:
        limits.check_format_spec(format_spec)
        return super().format_field(value, format_spec)


class _CappedEscapeFormatter(_CappedFormatter, EscapeFormatter):
    """The same for a Markup format string (`|safe`), which escapes its arguments."""


_STR_FORMATS = ("format", "format_map")


class PromptEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox plus the size limits of promptgit.format.limits, so a template cannot exhaust the host."""

    intercepted_binops = limits.INTERCEPTED_BINOPS
    code_generator_class = _FinalizingCodeGenerator
    # Jinja's optimizer only folds constants, which its code generator folds again in output; skipping it
    # saves a walk of the AST per compile (the generated code of every example prompt is the same)
    optimized = False

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        if messages.RESERVED in source:  # the marker character: a template must not be able to write it
            line = source.count("\n", 0, source.index(messages.RESERVED)) + 1
            raise TemplateSyntaxError("the template contains a NUL character", line, name, filename)
        parser = Parser(self, source, name, filename)
        template = parser.parse()
        # MessageExtension.parse marks the parser: a template without message blocks needs no lowering
        template.has_message_blocks = getattr(parser, "has_message_blocks", False)  # type: ignore[attr-defined]
        return template

    def _generate(self, source: Any, name: str | None, filename: str | None, defer_init: bool = False) -> str:
        # every compile of this environment (prompts, and partials through includes) goes through here;
        # an AST not made by _parse (no mark) is lowered to be safe
        if isinstance(source, nodes.Template) and getattr(source, "has_message_blocks", True):
            source.body = _lower_messages(source.body)
        return super()._generate(source, name, filename, defer_init)

    def getattr(self, obj: Any, attribute: str) -> Any:
        # `loop.index` and string methods are the commonest attribute accesses in prompts; the sandbox's
        # generic check costs about a third of a small render and always allows these (public attributes
        # of a loop; of a str, all public ones but format and format_map, which it wraps), so skip it
        kind = type(obj)
        if (kind is LoopContext and attribute in SAFE_LOOP_ATTRIBUTES) or (
            kind is str and attribute[:1] != "_" and attribute not in _WRAPPED_STR_METHODS
        ):
            try:
                return getattr(obj, attribute)
            except AttributeError:
                pass
        value = super().getattr(obj, attribute)
        if (kind is str or kind is bytes) and attribute in limits.GROWING_METHODS:
            return limits.capped_method(obj, attribute)
        return value

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        # Jinja's own wrapper, with a formatter that caps field widths (`{:>999999999}`)
        if not isinstance(value, (MethodType, BuiltinMethodType)) or value.__name__ not in _STR_FORMATS:
            return None
        template = value.__self__
        if not isinstance(template, str):
            return None
        formatter = (
            _CappedEscapeFormatter(self, escape=template.escape)
            if isinstance(template, Markup)
            else _CappedFormatter(self)
        )
        vformat = formatter.vformat
        is_format_map = value.__name__ == "format_map"

        def wrapper(*args: Any, **kwargs: Any) -> str:
            if is_format_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                mapping = args[0]
                args, kwargs = (), mapping
            return type(template)(vformat(template, args, kwargs))

        return update_wrapper(wrapper, value)

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        # a builtin method (str.upper, dict.items ...) cannot carry the `unsafe_callable` or `alters_data`
        # marks that is_safe_callable looks up (and fails to find, at the cost of two exceptions)
        if type(obj) is BuiltinMethodType:
            return context.call(obj, *args, **kwargs)
        return super().call(context, obj, *args, **kwargs)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        return limits.binop(operator, left, right)


def make_environment(lookup: SourceLookup) -> ImmutableSandboxedEnvironment:
    """A sandboxed, StrictUndefined environment whose includes are read through `lookup(path)`.

    `lookup` receives a path relative to the prompts directory (`partials/x.j2`) and returns its text or
    None. One environment serves one snapshot: a commit, or the working tree.
    """
    environment = PromptEnvironment(
        loader=_LookupLoader(lookup),
        undefined=StrictUndefined,
        extensions=[MessageExtension],
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=messages.finalize,
    )
    environment.filters.update(limits.capped_filters())
    environment.globals["lipsum"] = limits.lipsum
    return environment
