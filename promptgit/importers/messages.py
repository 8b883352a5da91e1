"""Role markers in a Jinja body (Prompty's `system:` lines, Dotprompt's `{{role}}`) to message blocks.

The source formats mark where a message starts; promptgit wraps each message in `{% message role %}`
... `{% endmessage %}`. The body is read as a tree of `{% for %}` / `{% if %}` blocks so that a marker
inside a loop (few-shot examples, `{{item.role}}:` over a history) becomes a message block inside the
loop, which promptgit supports. Text that the source would append to a message opened inside a block
(known only at render time) goes into a message of its own, and that is reported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from promptgit.importers.result import Loss

THREAD_LOOP_VARIABLE = "thread_message"  # the loop importers write for a thread of messages
ROLES = ("system", "developer", "user", "assistant", "tool")
_RAW = re.compile(r"\{%[-+]?\s*raw\s*[-+]?%\}.*?\{%[-+]?\s*endraw\s*[-+]?%\}", re.S)
_COMMENT = re.compile(r"\{#.*?#\}", re.S)
# blank lines at the edges of a message: the message is stripped when rendered, the file reads better without
_BLANK_AFTER_START = re.compile(r"(\{% message [^%]*%\}\n)(?:[ \t]*\n)+")
_BLANK_BEFORE_END = re.compile(r"\n(?:[ \t]*\n)+(\{% endmessage %\})")
_BLOCK_TAG = re.compile(r"\{%[-+]?\s*(for|if|elif|else|endfor|endif)\b.*?[-+]?%\}", re.S)


@dataclass(frozen=True)
class Marker:
    """Where a message starts: `role` is a Jinja expression (`"user"`, or `item.role`)."""

    role: str


# a marker pattern and how a match becomes a Marker (None: not a marker after all, left as text)
MarkerRule = tuple[re.Pattern[str], Callable[[re.Match[str]], Marker | None]]


@dataclass
class _Block:
    parts: list[tuple[str, list[object]]] = field(default_factory=list)  # (opening/elif/else tag, children)
    close: str = ""


@dataclass
class Split:
    text: str
    chat: bool
    losses: list[Loss] = field(default_factory=list)


def static_role(name: str, losses: list[Loss], aliases: dict[str, str] | None = None) -> Marker:
    """A literal role, mapped through `aliases` (Dotprompt's `model` is `assistant`)."""
    role = (aliases or {}).get(name.lower(), name.lower())
    if role not in ROLES:
        losses.append(
            Loss(f"role {name!r}", f"not a chat role promptgit knows ({', '.join(ROLES)}); made 'user'")
        )
        role = "user"
    return Marker(json.dumps(role))


def split_messages(text: str, rules: list[MarkerRule], default_role: str) -> Split:
    """`text` with each marker's message wrapped in a message block; `chat` False when it has no marker.

    Text before the first marker goes into a `default_role` message, as the source runtimes do.
    """
    tokens = _tokens(text, rules)
    if not any(isinstance(token, Marker) for token in tokens):
        return Split(text, chat=False)
    losses: list[Loss] = []
    tree = _tree(tokens)
    if tree is None:  # blocks not nested as written: markers only at the top level, blocks as text
        flat: list[object] = []
        for token in tokens:
            flat.append(token if isinstance(token, Marker) else str(token))
        tree = flat
        losses.append(
            Loss("{% for %}/{% if %} blocks", "not balanced; role markers inside them are not nested")
        )
    emitter = _Emitter(default_role, losses)
    body = _BLANK_BEFORE_END.sub(r"\n\1", _BLANK_AFTER_START.sub(r"\1", emitter.emit(tree)))
    return Split(body, chat=True, losses=losses)


def _tokens(text: str, rules: list[MarkerRule]) -> list[object]:
    """Text, block tags (as `_Tag`), and Markers, in order; markers in raw blocks or comments are text."""
    spans: list[tuple[int, int, object]] = []
    protected = [(m.start(), m.end()) for pattern in (_RAW, _COMMENT) for m in pattern.finditer(text)]

    def free(start: int, end: int) -> bool:
        return not any(start < p_end and p_start < end for p_start, p_end in protected)

    for match in _BLOCK_TAG.finditer(text):
        if free(match.start(), match.end()):
            spans.append((match.start(), match.end(), _Tag(match.group(0), match.group(1))))
    for pattern, make in rules:
        for match in pattern.finditer(text):
            marker = make(match)
            overlaps = any(start < match.end() and match.start() < end for start, end, _ in spans)
            if marker is not None and free(match.start(), match.end()) and not overlaps:
                spans.append((match.start(), match.end(), marker))
    spans.sort(key=lambda span: span[0])
    tokens: list[object] = []
    position = 0
    for start, end, token in spans:
        if start > position:
            tokens.append(text[position:start])
        tokens.append(token)
        position = end
    if position < len(text):
        tokens.append(text[position:])
    return tokens


@dataclass(frozen=True)
class _Tag:
    text: str
    keyword: str

    def __str__(self) -> str:
        return self.text


def _tree(tokens: list[object]) -> list[object] | None:
    root: list[object] = []
    stack: list[tuple[_Block, list[object]]] = []
    current = root
    for token in tokens:
        if isinstance(token, _Tag) and token.keyword in ("for", "if"):
            block = _Block([(token.text, [])])
            current.append(block)
            stack.append((block, current))
            current = block.parts[-1][1]
        elif isinstance(token, _Tag) and token.keyword in ("elif", "else"):
            if not stack:
                return None
            block = stack[-1][0]
            block.parts.append((token.text, []))
            current = block.parts[-1][1]
        elif isinstance(token, _Tag):
            if not stack:
                return None
            block, current = stack.pop()
            block.close = token.text
        else:
            current.append(token)
    return root if not stack else None


def _has_marker(node: object) -> bool:
    if isinstance(node, Marker):
        return True
    if isinstance(node, _Block):
        return any(_has_marker(child) for _, children in node.parts for child in children)
    return False


def _source(node: object) -> str:
    if isinstance(node, _Block):
        return (
            "".join(tag + "".join(_source(child) for child in children) for tag, children in node.parts)
            + node.close
        )
    return str(node)


class _Emitter:
    def __init__(self, default_role: str, losses: list[Loss]) -> None:
        self.last_role = json.dumps(default_role)
        self.losses = losses

    def emit(self, nodes: list[object]) -> str:
        out: list[str] = []
        open_message = False
        after_block = False
        for node in nodes:
            if isinstance(node, Marker):
                if open_message:
                    out.append(_END)
                out.append(_start(node.role))
                self.last_role = node.role
                open_message, after_block = True, False
            elif isinstance(node, _Block) and _has_marker(node):
                if open_message:
                    out.append(_END)
                    open_message = False
                enclosing = self.last_role
                for tag, children in node.parts:
                    out.append(tag + "\n" + self.emit(children))
                out.append(node.close + "\n")
                # text after the block continues the message the block interrupted (a thread inserted
                # in a message); the source runtime would append it to the block's last message instead,
                # which only a thread does on purpose
                self.last_role = enclosing
                after_block = THREAD_LOOP_VARIABLE not in node.parts[0][0]
            else:
                text = _source(node)
                if not open_message:
                    if not text.strip():
                        out.append(text)
                        continue
                    if after_block:
                        self.losses.append(
                            Loss(
                                f"text after a block of messages ({text.strip()[:40]!r})",
                                "the source appends it to the last message of the block; here it is a "
                                "message of its own, with the role before the block",
                            )
                        )
                    out.append(_start(self.last_role))
                    open_message = True
                out.append(text)
        if open_message:
            out.append(_END)
        return "".join(out)


def _start(role: str) -> str:
    return "{% message " + role + " %}\n"


_END = "\n{% endmessage %}\n"
