"""The Jinja side of a prompt: a sandboxed environment, the `{% message %}` extension, rendering.

A chat prompt's message blocks render to sentinel-delimited chunks that are split into messages after
rendering. This keeps rendering a plain `Template.render` call (thread-safe, no shared state) and lets
message blocks sit in loops, conditionals and included partials.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from types import BuiltinMethodType
from typing import Any

from jinja2 import BaseLoader, StrictUndefined, TemplateNotFound, nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment

from promptgit.errors import RenderError
from promptgit.format import limits

ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})
Message = dict[str, str]
Rendered = str | list[Message]
SourceLookup = Callable[[str], str | None]


class MessageExtension(Extension):
    """`{% message "role" %}...{% endmessage %}` -> one chat message."""

    tags = {"message"}  # noqa: RUF012 (Jinja declares it a mutable set)

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        # a per-environment random marker: template text or inputs cannot forge message boundaries
        token = secrets.token_hex(8)
        environment.extend(message_open=f"\x00pgmsg{token}:", message_close=f"\x00pgend{token}\x00")

    def parse(self, parser: Parser) -> nodes.Node:
        parser.has_message_blocks = True  # type: ignore[attr-defined]  # read by PromptEnvironment._parse
        lineno = next(parser.stream).lineno
        role = parser.parse_expression()
        body = parser.parse_statements(("name:endmessage",), drop_needle=True)
        # lines given to the new nodes directly: set_lineno would walk the whole block's body
        call = self.call_method("_wrap", [role], lineno=lineno)
        return nodes.CallBlock(call, [], [], body, lineno=lineno)

    def _wrap(self, role: object, caller: Callable[[], str]) -> str:
        env = self.environment
        return f"{env.message_open}{role}\x00{caller()}{env.message_close}"  # type: ignore[attr-defined]


# the fields that hold statements (jinja2.nodes: Template, For, If, Macro, CallBlock, FilterBlock, With,
# Block, Scope, OverlayScope, AssignBlock...); a message block is a statement, so it is only ever in one
_STATEMENT_FIELDS = ("body", "else_", "elif_")


def _lower_messages(statements: list[nodes.Node]) -> list[nodes.Node]:
    """Message blocks as plain output (marker, role, body, marker) for the code generator.

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
        if not (isinstance(node, nodes.CallBlock) and is_message_block(node)):
            lowered.append(node)
            continue
        # nested blocks are lowered too (above): split_messages reports nesting at render time. The
        # markers are read from the rendering environment, never baked into the code: compiled code is
        # cached on disk and loaded into environments with other random markers
        line = node.lineno  # given to each new node (set_lineno would walk the role expression too)
        opener = nodes.EnvironmentAttribute("message_open", lineno=line)
        head = nodes.Output([opener, node.call.args[0], nodes.TemplateData("\x00", lineno=line)], lineno=line)
        tail = nodes.Output([nodes.EnvironmentAttribute("message_close", lineno=line)], lineno=line)
        lowered += [head, *node.body, tail]
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
_WRAPPED_STR_METHODS = frozenset({"format", "format_map"})


class PromptEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox plus the size limits of promptgit.format.limits, so a template cannot exhaust the host."""

    intercepted_binops = limits.INTERCEPTED_BINOPS
    # Jinja's optimizer only folds constants, which its code generator folds again in output; skipping it
    # saves a walk of the AST per compile (the generated code of every example prompt is the same)
    optimized = False

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
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
        return super().getattr(obj, attribute)

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
    )
    environment.filters.update(limits.capped_filters())
    return environment


def split_messages(env: Any, output: str) -> list[Message]:
    """Turn the sentinel-marked output of a chat template into messages; stray text is an error."""
    opener, closer = env.message_open, env.message_close
    messages: list[Message] = []
    position = 0
    while True:
        start = output.find(opener, position)
        stray = output[position : start if start >= 0 else len(output)]
        if stray.strip():
            detail = f"text outside a message block in a chat prompt: {stray.strip()[:60]!r}"
            raise RenderError(detail, "stray_text")
        if start < 0:
            return messages
        role_end = output.index("\x00", start + len(opener))
        role = output[start + len(opener) : role_end]
        end = output.index(closer, role_end)
        content = output[role_end + 1 : end]
        if opener in content:
            raise RenderError("message blocks must not be nested", "nested_message")
        if role not in ROLES:
            expected = ", ".join(sorted(ROLES))
            raise RenderError(f"unknown message role {role!r}; expected one of {expected}", "unknown_role")
        messages.append({"role": role, "content": content.strip()})
        position = end + len(closer)
