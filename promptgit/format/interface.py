"""A prompt's interface, and how a change to it is classified, as an API checker classifies a library's.

The interface is what a caller depends on: the declared inputs (name, type, enum, whether required) and the
shape of the result (one string, or chat messages with their roles). Against the previous release a change
is **breaking** (a call that worked may now fail or get a different shape: an input removed or renamed, a
new required input, a type or enum narrowed, a constraint added, text <-> chat, a role added or removed) or
**additive** (every call that worked still works: an optional input, an enum value or a default added, a
type widened). Anything else (body text, description, model, params) is neither and needs only a patch.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from jinja2 import TemplateSyntaxError, nodes

from promptgit.format.inputs import is_required
from promptgit.format.prompt import PromptDocument
from promptgit.format.templating import make_environment, message_blocks

Kind = Literal["breaking", "additive"]
Level = Literal["major", "minor", "patch"]
LEVEL_OF: dict[Kind, Level] = {"breaking": "major", "additive": "minor"}

# keys of an input declaration that are not constraints on its value
_NOT_CONSTRAINTS = frozenset({"type", "enum", "default", "required", "description", "examples", "title"})
_LOWER_BOUNDS = frozenset({"minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"})
_UPPER_BOUNDS = frozenset({"maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"})


@dataclass(frozen=True)
class Change:
    """One interface change: `input 'tone' removed`, breaking."""

    kind: Kind
    text: str

    def __str__(self) -> str:
        return f"{self.text}: {self.kind}"


@dataclass(frozen=True)
class Shape:
    """What a render returns: chat messages (with these constant roles) or one string; None if unparsable."""

    chat: bool
    roles: frozenset[str]


def shape_of(document: PromptDocument) -> Shape | None:
    if "message" not in document.front.body:
        return Shape(False, frozenset())  # no message block can be there: skip parsing the template
    try:
        ast = make_environment(lambda _name: None).parse(document.template_source)
    except TemplateSyntaxError:
        return None  # the parse rules report it; the shape is unknown, so it is not compared
    blocks = message_blocks(ast)
    roles = set()
    for block in blocks:
        call = block.call
        role = call.args[0] if isinstance(call, nodes.Call) and call.args else None
        if isinstance(role, nodes.Const) and isinstance(role.value, str):
            roles.add(role.value)
    return Shape(bool(blocks), frozenset(roles))


def interface_changes(old: PromptDocument, new: PromptDocument) -> list[Change]:
    """Every interface change from `old` to `new`, breaking ones first."""
    changes = _input_changes(old.inputs, new.inputs)
    if old.front.body != new.front.body:  # the same body has the same shape: no template parsed
        changes += _shape_changes(shape_of(old), shape_of(new))
    return sorted(changes, key=lambda change: change.kind != "breaking")


def level_needed(old: PromptDocument, new: PromptDocument) -> tuple[Level, list[Change]]:
    """The semver part a change needs (by its interface changes, which are returned too)."""
    changes = interface_changes(old, new)
    if any(change.kind == "breaking" for change in changes):
        return "major", changes
    return ("minor" if changes else "patch"), changes


def describe(changes: list[Change], old: PromptDocument, new: PromptDocument) -> str:
    """`input 'tone' removed: breaking` (each change), or what else changed: `body changed: patch`."""
    if changes:
        return "; ".join(str(change) for change in changes)
    if old.front.body != new.front.body:
        return "body changed: patch"
    return "metadata changed: patch"


def _input_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    removed = [name for name in old if name not in new]
    added = [name for name in new if name not in old]
    changes: list[Change] = []
    if len(removed) == 1 and len(added) == 1 and _same_spec(old[removed[0]], new[added[0]]):
        changes.append(Change("breaking", f"input {removed[0]!r} renamed to {added[0]!r}"))
        removed, added = [], []
    changes += [Change("breaking", f"input {name!r} removed") for name in removed]
    for name in added:
        if is_required(new[name]):
            changes.append(Change("breaking", f"input {name!r} added as required (no default)"))
        else:
            changes.append(Change("additive", f"input {name!r} added as optional"))
    for name in old:
        if name in new:
            changes += _spec_changes(name, dict(old[name] or {}), dict(new[name] or {}))
    return changes


def _same_spec(old: Any, new: Any) -> bool:
    def key(spec: Any) -> str:
        return _canonical({k: v for k, v in dict(spec or {}).items() if k != "description"})

    return key(old) == key(new)


def _spec_changes(name: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    was, now = is_required(old), is_required(new)
    if was and not now:
        how = "got a default" if "default" in new else "became optional"
        changes.append(Change("additive", f"input {name!r} {how}"))
    elif now and not was:
        how = "lost its default" if "default" in old else "became required"
        changes.append(Change("breaking", f"input {name!r} {how}"))
    changes += _type_changes(name, old.get("type"), new.get("type"))
    changes += _enum_changes(name, old.get("enum"), new.get("enum"))
    for key in sorted((set(old) | set(new)) - _NOT_CONSTRAINTS):
        changes += _constraint_change(name, key, old.get(key), new.get(key))
    return changes


def _types(value: Any) -> frozenset[str] | None:
    if value is None:
        return None  # any type
    return frozenset([value] if isinstance(value, str) else (str(item) for item in value))


def _accepts(wide: frozenset[str] | None, narrow: frozenset[str] | None) -> bool:
    if wide is None:
        return True
    if narrow is None:
        return False
    return all(kind in wide or (kind == "integer" and "number" in wide) for kind in narrow)


def _type_changes(name: str, old: Any, new: Any) -> list[Change]:
    before, after = _types(old), _types(new)
    if before == after:
        return []
    shown = f"from {_show_types(before)} to {_show_types(after)}"
    if _accepts(after, before):
        return [Change("additive", f"type of input {name!r} widened {shown}")]
    verb = "narrowed" if _accepts(before, after) else "changed"
    return [Change("breaking", f"type of input {name!r} {verb} {shown}")]


def _show_types(types: frozenset[str] | None) -> str:
    return "any" if types is None else "|".join(sorted(types))


def _enum_changes(name: str, old: Any, new: Any) -> list[Change]:
    if old == new:
        return []
    if old is None:
        return [Change("breaking", f"input {name!r} restricted to enum {_canonical(new)}")]
    if new is None:
        return [Change("additive", f"enum of input {name!r} removed (any value accepted)")]
    before, after = [_canonical(value) for value in old], [_canonical(value) for value in new]
    changes = [
        Change("breaking", f"enum value {value} of input {name!r} removed")
        for value in before
        if value not in after
    ]
    changes += [
        Change("additive", f"enum value {value} added to input {name!r}")
        for value in after
        if value not in before
    ]
    return changes


def _constraint_change(name: str, key: str, old: Any, new: Any) -> list[Change]:
    if _canonical(old) == _canonical(new):
        return []
    if old is None:
        return [Change("breaking", f"input {name!r} gained constraint {key}: {_canonical(new)}")]
    if new is None:
        return [Change("additive", f"constraint {key} of input {name!r} removed")]
    shown = f"constraint {key} of input {name!r} changed from {_canonical(old)} to {_canonical(new)}"
    numbers = all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in (old, new))
    if numbers and key in _LOWER_BOUNDS:
        return [Change("breaking" if new > old else "additive", shown)]
    if numbers and key in _UPPER_BOUNDS:
        return [Change("breaking" if new < old else "additive", shown)]
    return [Change("breaking", shown)]  # a pattern, a format, a nested schema: assume it may refuse more


def _shape_changes(old: Shape | None, new: Shape | None) -> list[Change]:
    if old is None or new is None or old == new:
        return []
    if old.chat != new.chat:
        turned = "a chat prompt (messages)" if new.chat else "a text prompt (one string)"
        return [Change("breaking", f"turned into {turned}")]
    changes = [Change("breaking", f"message role {role!r} removed") for role in sorted(old.roles - new.roles)]
    changes += [Change("breaking", f"message role {role!r} added") for role in sorted(new.roles - old.roles)]
    return changes


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
