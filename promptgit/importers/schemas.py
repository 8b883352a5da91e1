"""Input and output declarations of the source formats as promptgit's: Picoschema, JSON Schema, Prompty
properties, and the variables a converted body uses that the source never declared.

promptgit's `inputs:` is a small JSON-Schema subset per variable (schemas/prompt.schema.json); `output:`
is a whole JSON Schema. What the subset has no key for is reported, not silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes

from promptgit.importers.result import Loss
from promptgit.validation.templates import scan

INPUT_KEYS = frozenset(
    {
        "type",
        "description",
        "required",
        "default",
        "enum",
        "items",
        "properties",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "minItems",
        "maxItems",
        "pattern",
        "format",
    }
)
TYPES = frozenset({"string", "integer", "number", "boolean", "array", "object", "null"})
# Prompty's property kinds -> JSON Schema types; the rich kinds (thread, image, file, audio) are handled
# by the Prompty importer, since what they become depends on where the template uses them
PROMPTY_KINDS = {
    "string": "string",
    "str": "string",
    "integer": "integer",
    "int": "integer",
    "float": "number",
    "number": "number",
    "double": "number",
    "boolean": "boolean",
    "bool": "boolean",
    "array": "array",
    "list": "array",
    "object": "object",
    "dict": "object",
}
RICH_KINDS = frozenset({"thread", "image", "file", "audio"})
_PICO_KEY = re.compile(
    r"^(?P<name>[^?(]+?)(?P<optional>\?)?(?:\((?P<kind>[a-z]+)(?:,\s*(?P<description>.*))?\))?$"
)


def picoschema(schema: Any, losses: list[Loss], where: str) -> dict[str, Any] | None:
    """A Picoschema (or a JSON Schema, passed through) as a JSON Schema; None for no schema."""
    if schema is None:
        return None
    if isinstance(schema, str):
        return _pico_scalar(schema)
    if not isinstance(schema, Mapping):
        losses.append(Loss(f"{where}: schema {schema!r}", "neither Picoschema nor JSON Schema"))
        return None
    if (isinstance(schema.get("type"), str) and schema["type"] in TYPES | {"any"}) or "properties" in schema:
        return dict(schema)
    return _pico_object(schema, losses, where)


def _pico_scalar(text: str) -> dict[str, Any]:
    kind, _, description = text.partition(",")
    kind = kind.strip()
    out: dict[str, Any] = {} if kind == "any" else {"type": kind}
    if description.strip():
        out["description"] = description.strip()
    return out


def _pico_object(schema: Mapping[str, Any], losses: list[Loss], where: str) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    additional: Any = False
    for key, value in schema.items():
        if key == "(*)":
            additional = _pico_value(value, losses, where) or True
            continue
        match = _PICO_KEY.match(str(key))
        if match is None:
            losses.append(Loss(f"{where}: schema key {key!r}", "not Picoschema; left out"))
            continue
        name, kind, description = match["name"].strip(), match["kind"], match["description"]
        if kind is None:
            prop = _pico_value(value, losses, where) or {}
        elif kind == "array":
            prop = {"type": "array", "items": _pico_value(value, losses, where) or {}}
        elif kind == "object":
            prop = _pico_object(value if isinstance(value, Mapping) else {}, losses, where)
        elif kind == "enum":
            prop = {"enum": list(value) if isinstance(value, list) else [value]}
            if match["optional"]:
                prop["enum"].append(None)
        else:
            losses.append(
                Loss(f"{where}: schema key {key!r}", f"unknown Picoschema type {kind!r}; left untyped")
            )
            prop = {}
        if description:
            prop["description"] = description.strip()
        if match["optional"]:
            if isinstance(prop.get("type"), str):
                prop["type"] = [prop["type"], "null"]
        else:
            required.append(name)
        properties[name] = prop
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        out["required"] = required
    out["additionalProperties"] = additional
    return out


def _pico_value(value: Any, losses: list[Loss], where: str) -> dict[str, Any] | None:
    if isinstance(value, str):
        return _pico_scalar(value)
    if isinstance(value, Mapping):
        return picoschema(value, losses, where)
    return None


def inputs_from_json_schema(
    schema: Mapping[str, Any], losses: list[Loss], where: str
) -> dict[str, dict[str, Any]]:
    """The properties of an object schema as promptgit inputs (`required:` from the schema's list)."""
    if schema.get("type", "object") != "object" or not isinstance(schema.get("properties", {}), Mapping):
        losses.append(
            Loss(f"{where}: a {schema.get('type')!r} schema", "inputs are named variables (an object)")
        )
        return {}
    required = set(schema.get("required") or [])
    inputs: dict[str, dict[str, Any]] = {}
    for name, prop in (schema.get("properties") or {}).items():
        spec = input_spec(prop if isinstance(prop, Mapping) else {}, losses, f"{where}.{name}")
        if name not in required and "default" not in spec:
            spec["required"] = False
        inputs[str(name)] = spec
    for key in sorted(set(schema) - {"type", "properties", "required", "additionalProperties", "$schema"}):
        losses.append(
            Loss(f"{where}: {key}", "promptgit inputs have no schema-level keys besides the variables")
        )
    return inputs


def input_spec(prop: Mapping[str, Any], losses: list[Loss], where: str) -> dict[str, Any]:
    """One property schema in promptgit's input subset; other keys are reported as lost."""
    spec: dict[str, Any] = {}
    for key, value in prop.items():
        if key in INPUT_KEYS and key != "required":
            spec[key] = value
        elif key in ("required", "additionalProperties") and "properties" in prop:
            losses.append(
                Loss(f"{where}: {key}", "inside an object input, only the fields' types are checked")
            )
        elif key not in ("title", "$comment"):
            losses.append(
                Loss(f"{where}: {key}", "not in promptgit's input subset (schemas/prompt.schema.json)")
            )
    kind = spec.get("type")
    if isinstance(kind, list):
        kind = [item for item in kind if item in TYPES] or None
    elif kind is not None and kind not in TYPES:
        losses.append(Loss(f"{where}: type {kind!r}", "not a JSON Schema type; left untyped"))
        kind = None
    if kind is None:
        spec.pop("type", None)
    else:
        spec["type"] = kind
    if "enum" in spec and not (isinstance(spec["enum"], list) and spec["enum"]):
        spec.pop("enum")
    return spec


@dataclass(frozen=True)
class UsedVariable:
    """An input a body reads: a guessed JSON type, and the attributes taken of it (`customer.name`)."""

    type: str
    attributes: tuple[str, ...] = ()
    looped_attributes: tuple[str, ...] = ()  # `{% for x in customer.orders %}`: orders is a list


def used_variables(trees: Iterable[nodes.Template], globals_: frozenset[str]) -> dict[str, UsedVariable]:
    """The inputs parsed bodies (a prompt and its partials) read, found as the validator finds them
    (validation.templates.scan), each with a guessed JSON type: `array` when looped over, `object` when
    an attribute or item is taken, else `string`."""
    found: dict[str, UsedVariable] = {}
    for tree in trees:
        names = scan(tree).variables(globals_)
        loops = list(tree.find_all(nodes.For))
        iterated = {node.iter.name for node in loops if isinstance(node.iter, nodes.Name)}
        looped = {
            (node.iter.node.name, node.iter.attr)
            for node in loops
            if isinstance(node.iter, nodes.Getattr) and isinstance(node.iter.node, nodes.Name)
        }
        attributes: dict[str, list[str]] = {}
        for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
            if isinstance(node.node, nodes.Name):  # type: ignore[attr-defined]
                taken = attributes.setdefault(node.node.name, [])  # type: ignore[attr-defined]
                attribute = getattr(node, "attr", None)
                if attribute is None and isinstance(getattr(node, "arg", None), nodes.Const):
                    attribute = node.arg.value  # type: ignore[attr-defined]
                if isinstance(attribute, str) and attribute not in taken:
                    taken.append(attribute)
        for name in sorted(names, key=names.__getitem__):
            if name in iterated:
                found.setdefault(name, UsedVariable("array"))
            elif name in attributes:
                lists = tuple(attribute for attribute in attributes[name] if (name, attribute) in looped)
                found.setdefault(name, UsedVariable("object", tuple(attributes[name]), lists))
            else:
                found.setdefault(name, UsedVariable("string"))
    return found


def json_type(value: Any) -> str | None:
    """The JSON Schema type of a sample value."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return None


def placeholder(
    name: str, spec: Mapping[str, Any], attributes: tuple[str, ...] = (), lists: tuple[str, ...] = ()
) -> Any:
    """A sample value of the declared type, for a required input the source gives no example of; an
    object gets the `attributes` the template takes of it, so the sample render reaches them."""
    kind = spec.get("type")
    kind = next((item for item in kind if item != "null"), None) if isinstance(kind, list) else kind
    if isinstance(spec.get("enum"), list) and spec["enum"]:
        return spec["enum"][0]
    if kind == "object":
        return {attribute: [] if attribute in lists else attribute for attribute in attributes}
    return {"integer": 1, "number": 1.0, "boolean": True, "array": []}.get(str(kind), name)
