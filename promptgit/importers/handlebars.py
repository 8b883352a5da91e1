"""Handlebars and Mustache templates (Dotprompt bodies, Prompty's mustache format) to promptgit's Jinja.

Most constructs have a direct Jinja equivalent: `{{x}}`, `{{#if}}`/`{{else}}`, `{{#unless}}`, `{{#each}}`
(with `@index`, `@first`, `@last`, `@key`, `this`, `../x` and block params), `{{#with}}`, `{{> partial}}`,
`{{json x}}`, comments and `~` whitespace control. Inside an `{{#each}}` Handlebars changes the context: a
bare `{{name}}` is the item's field unless `name` is a declared input, which is the only way to decide it
without running the template (so the declared inputs are passed in). What has no equivalent is reported as
a Loss and left out of the output (an unknown block helper's body is kept, without the helper).

Dotprompt's `{{role "x"}}` becomes a ROLE sentinel that importers.messages turns into message blocks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from promptgit.importers.result import Loss

ROLE_SENTINEL = "\x00role:{}\x00"
ROLE_SENTINEL_PATTERN = re.compile(r"\x00role:([A-Za-z_]+)\x00")
PARTIAL_PATH = "partials/{}.j2"
_ARG = re.compile(
    r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|\([^)]*\)|[^\s"\'()=]+(?:=(?:"[^"]*"|\'[^\']*\'|\S+))?'
)
_BLOCK_PARAMS = re.compile(r"\s+as\s+\|([^|]*)\|\s*$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_END = re.compile(r"\}\}")
_TRIPLE_END = re.compile(r"\}~?\}\}")
_LONG_COMMENT_END = re.compile(r"--~?\}\}")
_GENERATED_OPEN, _GENERATED_CLOSE = "\x01", "\x02"
_GENERATED = re.compile("\x01(.*?)\x02")
_JINJA_SYNTAX = ("{%", "{#", "{{", "%}", "#}", "}}")


@dataclass
class Translation:
    """The Jinja text, what could not be translated, and the partials it includes (by source name)."""

    text: str
    losses: list[Loss] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    partials: list[str] = field(default_factory=list)


@dataclass
class _Tag:
    inner: str
    triple: bool = False


@dataclass
class _Block:
    helper: str
    args: list[str]
    params: list[str]
    body: list[Any] = field(default_factory=list)
    inverse: list[Any] | None = None
    inverted: bool = False  # a Mustache `{{^x}}` section
    chained: bool = False  # the `if` of `{{else if}}`: closed by its parent's `{{/if}}`


@dataclass
class _Scope:
    """A context change: inside `each` the item is `var`; `key` is the key variable of an object loop."""

    var: str
    key: str | None = None
    loop: bool = True
    index: str | None = None  # the second block param of `{{#each xs as |x i|}}`


def translate(
    source: str,
    *,
    declared: Mapping[str, Mapping[str, Any]] | None = None,
    mustache: bool = False,
    where: str = "template",
) -> Translation:
    """`source` (Handlebars, or Mustache with `mustache=True`) as Jinja; see the module docstring."""
    return _Translator(declared, mustache, where).run(source)


class _Translator:
    def __init__(self, declared: Mapping[str, Mapping[str, Any]] | None, mustache: bool, where: str) -> None:
        self.declared = declared
        self.mustache = mustache
        self.where = where
        self.result = Translation("")

    def lose(self, what: str, why: str) -> None:
        loss = Loss(f"{self.where}: {what}", why)
        if loss not in self.result.losses:
            self.result.losses.append(loss)

    def run(self, source: str) -> Translation:
        tree = self._parse(self._tokens(source))
        self.result.text = _place_tags(self._emit(tree, []))
        return self.result

    # -- tokens and tree ------------------------------------------------------------------------------

    def _tokens(self, source: str) -> list[str | _Tag]:
        tokens: list[str | _Tag] = []
        position = 0
        while position < len(source):
            start = source.find("{{", position)
            if start < 0:
                tokens.append(source[position:])
                break
            if start > 0 and source[start - 1] == "\\":  # `\{{` is a literal `{{` in Handlebars
                tokens.append(source[position : start - 1] + "{{")
                position = start + 2
                continue
            tokens.append(source[position:start])
            opening = source[start + 2 : start + 6].lstrip("~")
            if opening.startswith("!--"):
                closing = _LONG_COMMENT_END.search(source, start + 2)
            elif opening.startswith("{"):
                closing = _TRIPLE_END.search(source, start + 2)
            else:
                closing = _END.search(source, start + 2)
            if closing is None:
                self.lose("an unclosed '{{'", "the rest of the template is kept as text")
                tokens.append(source[start:])
                break
            raw = source[start + 2 : closing.end() - 2]
            position = closing.end()
            strip_before, strip_after = raw.startswith("~"), raw.endswith("~")
            inner = raw[1 if strip_before else 0 : len(raw) - (1 if strip_after else 0)].strip()
            triple = inner.startswith("{")
            if triple:
                inner = inner.removeprefix("{").removesuffix("}").strip()
            if strip_before and tokens and isinstance(tokens[-1], str):
                tokens[-1] = tokens[-1].rstrip()
            tokens.append(_Tag(inner, triple))
            if strip_after:
                while position < len(source) and source[position] in " \t\r\n":
                    position += 1
        return [token for token in tokens if not (isinstance(token, str) and token == "")]

    def _parse(self, tokens: list[str | _Tag]) -> list[Any]:
        root: list[Any] = []
        stack: list[tuple[_Block, list[Any]]] = []
        current = root
        for token in tokens:
            if isinstance(token, str):
                current.append(token)
                continue
            inner = token.inner
            if inner.startswith("#") or (inner.startswith("^") and inner[1:].strip()):
                block = self._open(inner)
                current.append(block)
                stack.append((block, current))
                current = block.body
            elif inner.startswith("/"):
                name = inner[1:].strip()
                if not stack:
                    self.lose(f"'{{{{/{name}}}}}' closes nothing", "left out")
                    continue
                block, parent = stack.pop()
                while block.chained and stack:
                    block, parent = stack.pop()
                if name != block.helper and not (self.mustache and name == " ".join(block.args)):
                    self.lose(f"'{{{{/{name}}}}}' closes '{block.helper}'", "closed as written")
                current = parent
            elif inner in ("else", "^") or inner.startswith("else "):
                if not stack:
                    self.lose("'{{else}}' outside a block", "left out")
                    continue
                block = stack[-1][0]
                if inner.startswith("else "):  # `{{else if x}}`: a nested if in the inverse
                    nested = self._open("#" + inner[5:].strip())
                    block.inverse = [nested]
                    stack.append((nested, block.inverse))
                    current = nested.body
                    nested.chained = True
                else:
                    block.inverse = []
                    current = block.inverse
            else:
                current.append(token)
        while stack:
            block, _ = stack.pop()
            if not block.chained:
                self.lose(f"'{{{{#{block.helper}}}}}' is never closed", "closed at the end of the template")
        return root

    def _open(self, inner: str) -> _Block:
        inverted = inner.startswith("^")
        text = inner[1:].strip()
        params: list[str] = []
        found = _BLOCK_PARAMS.search(text)
        if found:
            params = found.group(1).split()
            text = text[: found.start()]
        parts = _ARG.findall(text)
        if self.mustache or inverted:
            return _Block("section", parts[:1], params, inverted=inverted)
        return _Block(parts[0] if parts else "", parts[1:], params)

    # -- emitting Jinja -------------------------------------------------------------------------------

    def _emit(self, nodes: list[Any], scopes: list[_Scope]) -> str:
        out: list[str] = []
        for node in nodes:
            if isinstance(node, str):
                out.append(_text(node))
            elif isinstance(node, _Tag):
                out.append(self._tag(node, scopes))
            else:
                out.append(self._block(node, scopes))
        return "".join(out)

    def _tag(self, tag: _Tag, scopes: list[_Scope]) -> str:
        inner = tag.inner
        if inner.startswith("!"):
            comment = inner[1:].removeprefix("--").removesuffix("--").strip()
            return "{# " + comment.replace("#}", "# }") + " #}"
        if inner.startswith(">"):
            return self._partial(inner[1:].strip())
        args = _ARG.findall(inner)
        if not args:
            return ""
        head, rest = args[0], args[1:]
        if self.mustache and head.startswith("&"):  # Mustache's unescaped `{{&x}}`
            head, tag = head[1:].strip() or (rest[0] if rest else ""), _Tag(inner, triple=True)
        if self.mustache or (not rest and head not in ("history",)):
            expression = self._value(head, scopes)
            if self.mustache and not tag.triple and expression is not None:
                note = "Mustache HTML-escapes {{x}}; promptgit inserts values as they are, as {{{x}}} does"
                if note not in self.result.notes:
                    self.result.notes.append(note)
            return "" if expression is None else "{{ " + expression + " }}"
        if head == "json":
            value = self._value(rest[0], scopes) if rest else None
            if value is None:
                return ""
            indent = next((arg.split("=", 1)[1] for arg in rest[1:] if arg.startswith("indent=")), None)
            self.result.notes.append("{{json x}} -> {{ x|tojson }}")
            self.lose(
                "{{json ...}}",
                "Jinja's tojson sorts object keys, writes ', ' and ': ' between items (Dotprompt writes "
                "none) and escapes <, >, & and ' as \\u sequences: the same JSON, not the same text",
            )
            return (
                "{{ "
                + value
                + (f"|tojson(indent={int(indent)})" if indent and indent.isdigit() else "|tojson")
                + " }}"
            )
        if head == "role":
            role = rest[0].strip("\"'") if rest else ""
            return ROLE_SENTINEL.format(role)
        if head == "history":
            self.lose(
                "{{history}}",
                "the runtime inserts the conversation history there; promptgit has no history slot",
            )
            return ""
        if head == "media":
            self.lose(
                f"{{{{{inner}}}}}", "media parts (images, audio) are not text; promptgit messages are text"
            )
            return ""
        if head == "section":
            self.lose(
                f"{{{{{inner}}}}}", "sections are a Dotprompt runtime feature with no promptgit equivalent"
            )
            return ""
        self.lose(f"{{{{{inner}}}}}", f"the helper {head!r} has no promptgit equivalent; left out")
        return ""

    def _partial(self, text: str) -> str:
        args = _ARG.findall(text)
        if not args or args[0].startswith("("):
            self.lose(f"{{{{> {text}}}}}", "a dynamic partial name cannot be resolved before rendering")
            return ""
        name = args[0].strip("\"'")
        if name not in self.result.partials:
            self.result.partials.append(name)
        include = _generated('{% include "' + PARTIAL_PATH.format(partial_name(name)) + '" %}')
        assignments = []
        for arg in args[1:]:
            if "=" in arg:
                key, value = arg.split("=", 1)
                translated = self._value(value, [])
                if translated is not None and _IDENTIFIER.match(key):
                    assignments.append(f"{key}={translated}")
            else:
                self.lose(
                    f"{{{{> {text}}}}}",
                    "a partial's context argument: the partial sees the prompt's inputs instead",
                )
        if assignments:
            return (
                _generated("{% with " + ", ".join(assignments) + " %}")
                + include
                + _generated("{% endwith %}")
            )
        return include

    def _block(self, block: _Block, scopes: list[_Scope]) -> str:
        helper = block.helper
        if helper == "section":
            return self._section(block, scopes)
        condition: str | None
        if helper in ("if", "unless"):
            value = self._value(block.args[0], scopes) if block.args else None
            condition = value if helper == "if" else (f"not {value}" if value else None)
            return self._conditional(condition, block, scopes)
        if helper in ("ifEquals", "unlessEquals") and len(block.args) >= 2:
            left, right = (self._value(arg, scopes) for arg in block.args[:2])
            operator = "==" if helper == "ifEquals" else "!="
            condition = f"{left} {operator} {right}" if left and right else None
            return self._conditional(condition, block, scopes)
        if helper == "each" and block.args:
            return self._each(block, scopes)
        if helper == "with" and block.args:
            value = self._value(block.args[0], scopes)
            if value is None:
                return ""
            inner = self._emit(block.body, [*scopes, _Scope(value, loop=False)])
            otherwise = self._emit(block.inverse, scopes) if block.inverse is not None else ""
            otherwise = _generated("{% else %}") + otherwise if otherwise else ""
            return _generated("{% if " + value + " %}") + inner + otherwise + _generated("{% endif %}")
        self.lose(
            f"{{{{#{helper}}}}}", f"the block helper {helper!r} has no promptgit equivalent; its body is kept"
        )
        return self._emit(block.body, scopes)

    def _conditional(self, condition: str | None, block: _Block, scopes: list[_Scope]) -> str:
        if condition is None:
            return ""
        text = _generated("{% if " + condition + " %}") + self._emit(block.body, scopes)
        if block.inverse is not None:
            text += _generated("{% else %}") + self._emit(block.inverse, scopes)
        return text + _generated("{% endif %}")

    def _each(self, block: _Block, scopes: list[_Scope]) -> str:
        iterable = self._value(block.args[0], scopes)
        if iterable is None:
            return ""
        params = block.params
        item = params[0] if params else self._loop_name(scopes)
        is_object = self._declared_type(block.args[0], scopes) == "object"
        key = (params[1] if len(params) > 1 else f"{item}_key") if is_object else None
        index = params[1] if len(params) > 1 and not is_object else None
        head = _generated(
            f"{{% for {key}, {item} in {iterable}.items() %}}" if key else f"{{% for {item} in {iterable} %}}"
        )
        text = head + self._emit(block.body, [*scopes, _Scope(item, key, index=index)])
        if block.inverse is not None:
            text += _generated("{% else %}") + self._emit(block.inverse, scopes)
        return text + _generated("{% endfor %}")

    def _section(self, block: _Block, scopes: list[_Scope]) -> str:
        name = block.args[0] if block.args else ""
        value = self._value(name, scopes)
        if value is None:
            return ""
        if block.inverted:
            return (
                _generated("{% if not " + value + " %}")
                + self._emit(block.body, scopes)
                + _generated("{% endif %}")
            )
        if self._declared_type(name, scopes) == "array":
            item = self._loop_name(scopes)
            body = self._emit(block.body, [*scopes, _Scope(item)])
            return _generated(f"{{% for {item} in {value} %}}") + body + _generated("{% endfor %}")
        self.result.notes.append(f"section {{{{#{name}}}}} -> {{% if {value} %}}")
        return (
            _generated("{% if " + value + " %}") + self._emit(block.body, scopes) + _generated("{% endif %}")
        )

    def _loop_name(self, scopes: list[_Scope]) -> str:
        depth = sum(1 for scope in scopes if scope.loop)
        name = "item" if depth == 0 else f"item{depth + 1}"
        while self.declared is not None and name in self.declared:
            name += "_"
        return name

    def _declared_type(self, path: str, scopes: list[_Scope]) -> str | None:
        if self.declared is None or scopes or not _IDENTIFIER.match(path):
            return None
        spec = self.declared.get(path)
        kind = spec.get("type") if isinstance(spec, Mapping) else None
        return kind if isinstance(kind, str) else None

    def _value(self, argument: str, scopes: list[_Scope]) -> str | None:
        """A Handlebars argument (literal or path) as a Jinja expression; None when it has none."""
        if argument.startswith(('"', "'")):
            return json.dumps(argument[1:-1])
        if _NUMBER.match(argument):
            return argument
        if argument in ("true", "false", "null", "undefined"):
            return {"true": "true", "false": "false"}.get(argument, "none")
        if argument.startswith("("):
            self.lose(f"subexpression {argument}", "subexpressions have no promptgit equivalent; left out")
            return None
        return self._path(argument, scopes)

    def _path(self, path: str, scopes: list[_Scope]) -> str | None:
        available = list(scopes)
        while path.startswith("../"):
            path = path[3:]
            if available:
                available.pop()
        path = path.removeprefix("./")
        if path.startswith("@root."):
            path, available = path[6:], []
        if path.startswith("@"):
            return self._data_variable(path, available)
        segments = [segment.strip("[]") for segment in re.split(r"[./]", path) if segment]
        if segments and segments[0] == "this":
            segments = segments[1:]
            if not available:
                if not segments:
                    self.lose("{{this}} at the top level", "the whole context has no Jinja name; left out")
                    return None
                return _join(segments[0], segments[1:])
            return _join(available[-1].var, segments)
        if not segments:
            if available:
                return available[-1].var
            self.lose("{{.}} at the top level", "the whole context has no Jinja name; left out")
            return None
        for scope in reversed(available):
            if segments[0] == scope.var or segments[0] == scope.key:
                return _join(segments[0], segments[1:])
            if segments[0] == scope.index:
                return _join("loop.index0", segments[1:])
        if available and (self.declared is None or segments[0] not in self.declared):
            return _join(available[-1].var, segments)
        return _join(segments[0], segments[1:])

    def _data_variable(self, path: str, scopes: list[_Scope]) -> str | None:
        name = path[1:].split(".")[0]
        loops = [scope for scope in scopes if scope.loop]
        if name in ("index", "first", "last") and loops:
            return {"index": "loop.index0", "first": "loop.first", "last": "loop.last"}[name]
        if name == "key" and loops and loops[-1].key:
            return loops[-1].key
        if name == "state":
            self.lose(f"{{{{{path}}}}}", "@state is a Dotprompt runtime value with no promptgit equivalent")
            return None
        self.lose(f"{{{{{path}}}}}", "this data variable has no promptgit equivalent here; left out")
        return None


def _generated(text: str) -> str:
    """A generated block tag, marked so _place_tags can give it Handlebars' whitespace rules."""
    return _GENERATED_OPEN + text + _GENERATED_CLOSE


def _place_tags(text: str) -> str:
    """Handlebars drops the line of a block tag that stands alone on it, as Jinja's trim_blocks and
    lstrip_blocks (promptgit's settings) do; a tag sharing its line with text keeps the newline after it
    in Handlebars, so there it is written `{%+ ... +%}`, which turns both settings off for that tag."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if _GENERATED_OPEN not in line:
            continue
        tags = _GENERATED.findall(line)
        if len(tags) == 1 and not _GENERATED.sub("", line).strip():
            lines[index] = _GENERATED.sub(lambda match: match[1], line)
        else:
            lines[index] = _GENERATED.sub(lambda match: "{%+" + match[1][2:-2] + "+%}", line)
    return "\n".join(lines)


def partial_name(raw: str) -> str:
    """A Dotprompt partial's name as a promptgit partial file name (partials/NAME.j2)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", raw).strip("-.") or "_"


def _join(head: str, segments: list[str]) -> str:
    out = head
    for segment in segments:
        if _IDENTIFIER.match(segment):
            out += f".{segment}"
        elif segment.isdigit():
            out += f"[{segment}]"
        else:
            out += f"[{json.dumps(segment)}]"
    return out


def _text(text: str) -> str:
    """Literal template text, protected where Jinja would read it as syntax."""
    if any(marker in text for marker in _JINJA_SYNTAX):
        return (
            "{% raw %}"
            + text.replace("{% endraw %}", "{% endraw %}{{ '{% endraw %}' }}{% raw %}")
            + "{% endraw %}"
        )
    return text


def jinja_literal_text(text: str) -> str:
    """Plain text (no template syntax of its own) as a Jinja body that renders exactly to it."""
    return _text(text)
