"""Chat message boundaries: markers no rendered value can contain, and the strict split after rendering.

A message block renders as `OPEN role ROLE_END content CLOSE`, each marker a NUL character and a kind
letter. NUL is reserved: every value a template outputs (`{{ }}`, the role expression, filter and call
blocks) passes the environment's `finalize`, which replaces NUL with U+FFFD, and template sources with a
NUL do not compile. So the only NULs in a render are the markers compiled from the template's own
message blocks, and `split_messages` accepts exactly the grammar those produce: the number and roles of
the messages come from the blocks that ran, never from an input, a captured `{% set %}` or a macro.
"""

from __future__ import annotations

from typing import Any

from jinja2 import nodes

from promptgit.errors import RenderError
from promptgit.format import limits

ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})
Message = dict[str, str]

RESERVED = "\x00"  # the one character a marker is made of, and no rendered value may contain
REPLACEMENT = "\ufffd"  # what a reserved character in a rendered value becomes
OPEN, ROLE_END, CLOSE = RESERVED + "[", RESERVED + "|", RESERVED + "]"
MARKERS = (OPEN, ROLE_END, CLOSE)


def finalize(value: Any) -> str:
    """The text of every value a template outputs, with the reserved character replaced (see module)."""
    if type(value) is str:
        text = value
    else:
        limits.check_text_size(value, "output of a value")  # `{{ [[1] * 10**6] * 1000 }}` is 3 GB of text
        text = str(value)
    return text.replace(RESERVED, REPLACEMENT) if RESERVED in text else text


def lowered_block(node: nodes.CallBlock) -> list[nodes.Node]:
    """A message block as plain output: marker, role (finalized like any value), marker, body, marker.

    The markers are template data, which Jinja writes as it is (not finalized), and constant: compiled
    code does not depend on the environment it is loaded into (the disk cache shares it between processes).
    """
    line = node.lineno  # given to each new node (set_lineno would walk the role expression too)
    role = node.call.args[0] if isinstance(node.call, nodes.Call) else nodes.Const("")
    head = nodes.Output(
        [nodes.TemplateData(OPEN, lineno=line), role, nodes.TemplateData(ROLE_END, lineno=line)], lineno=line
    )
    tail = nodes.Output([nodes.TemplateData(CLOSE, lineno=line)], lineno=line)
    return [head, *node.body, tail]


def check_text(output: str) -> str:
    """A text prompt's render, refused when it holds message markers (a partial with message blocks)."""
    if RESERVED in output:
        raise RenderError(
            "a text prompt rendered a message block (from an included partial); make the prompt a chat "
            "prompt or include a partial without message blocks",
            "message_in_text",
        )
    return output


def split_messages(output: str) -> list[Message]:
    """The messages of a chat prompt's render; stray text, nesting and unknown roles are RenderErrors.

    The output must be `(whitespace OPEN role ROLE_END content CLOSE)* whitespace`, with no reserved
    character in a role or content: anything else did not come from the template's blocks.
    """
    pieces = output.split(RESERVED)
    _outside(pieces[0])
    messages: list[Message] = []
    index = 1
    count = len(pieces)
    while index < count:
        opened, role_end, closed = pieces[index : index + 3] + [""] * (index + 3 - count)
        if opened[:1] != "[":
            raise _malformed()
        if role_end[:1] != "|":
            raise _malformed()
        if closed[:1] == "[":
            raise RenderError("message blocks must not be nested", "nested_message")
        if closed[:1] != "]":
            raise _malformed()
        role = opened[1:]
        if role not in ROLES:
            expected = ", ".join(sorted(ROLES))
            raise RenderError(f"unknown message role {role!r}; expected one of {expected}", "unknown_role")
        messages.append({"role": role, "content": role_end[1:].strip()})
        _outside(closed[1:])
        index += 3
    return messages


def _outside(text: str) -> None:
    if text.strip():
        detail = f"text outside a message block in a chat prompt: {text.strip()[:60]!r}"
        raise RenderError(detail, "stray_text")


def _malformed() -> RenderError:
    # only reachable through a message block whose output was cut (a macro, a filter or call block)
    return RenderError(
        "a message block's output was cut or captured (message blocks work in loops, conditions and "
        "includes, not inside macros, filter blocks or call blocks)",
        "broken_message",
    )
