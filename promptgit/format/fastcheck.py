"""A fast acceptance path for JSON Schema checks on hot paths; jsonschema stays the authority.

jsonschema's generic machinery costs ~70 us for a five-input declaration, four times a sandboxed render.
fastjsonschema compiles the same schema to plain Python (~1 us). It is used only to *accept* values, and
only for schemas made of keywords whose meaning is identical in both (draft 7 and 2020-12, no
bool/number enum confusion, no format checking); anything it rejects or cannot judge goes to jsonschema,
which decides and words the error messages. `formats=True` also admits `format`: jsonschema (without a
format checker) only annotates it while fastjsonschema checks it, so the fast path only gets stricter.
A user's `pattern` is never given to fastjsonschema (Python's backtracking `re`): the flat path checks it
with RE2 (promptgit.format.patterns), and any other schema with a pattern goes to jsonschema, which does
too. Only our own schema files (`formats=True`) keep their patterns on the fastjsonschema path.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

FastCheck = Callable[[Mapping[str, Any]], bool]

# keywords with the same meaning in draft 7 (fastjsonschema) and 2020-12 (jsonschema); annotations included
_SAME_MEANING = frozenset(
    {
        "type",
        "properties",
        "required",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "enum",
        "items",
        "default",
        "title",
        "description",
        "examples",
        "additionalProperties",
        "propertyNames",
        "anyOf",
        "not",
        "uniqueItems",  # fastjsonschema tells True from 1 here, as JSON Schema does
    }
)


_ONE_SUBSCHEMA = ("items", "additionalProperties", "propertyNames", "not")


def _same_meaning(schema: Any, formats: bool = False) -> bool:
    if isinstance(schema, bool):  # true/false schemas mean the same in both
        return True
    # our own schema files: their formats are part of the schema, their patterns are ours (never a user's)
    allowed = _SAME_MEANING | {"format", "pattern"} if formats else _SAME_MEANING
    if not isinstance(schema, dict) or not set(schema) <= allowed:
        return False
    # Python's 1 == True would let fastjsonschema accept what JSON Schema equality rejects
    if "enum" in schema and not all(isinstance(value, str) for value in schema["enum"]):
        return False
    # a list of items is tuple validation in draft 7: only a single schema means the same
    single = [schema[key] for key in _ONE_SUBSCHEMA if key in schema]
    if not all(_same_meaning(sub, formats) for sub in single):
        return False
    branches = schema.get("anyOf", [])
    if not isinstance(branches, list) or not all(_same_meaning(sub, formats) for sub in branches):
        return False
    properties = schema.get("properties", {})
    return isinstance(properties, dict) and all(_same_meaning(sub, formats) for sub in properties.values())


def fast_check(schema: Mapping[str, Any], *, formats: bool = False) -> FastCheck | None:
    """A function that returns True when a value is certainly valid; None when no fast path applies.

    `formats`: let `format` through (checked by the fast path, an annotation to jsonschema); a value it
    rejects then costs a jsonschema call, so use it where formats are part of the schema, not user input.
    """
    if not _same_meaning(schema, formats):
        return None
    try:
        key = json.dumps(schema, sort_keys=True)
    except (TypeError, ValueError):
        return None
    return _compiled(key)


def schema_fast_check(document: dict[str, Any]) -> FastCheck | None:
    """The fast path for one of our schema files (JSON Schema 2020-12 with local $defs), or None."""
    schema = compilable_schema(document)
    if schema is None:
        return None
    from promptgit.format.precompile import precompiled_validator

    validate = precompiled_validator(schema)
    return _accepting(validate) if validate is not None else fast_check(schema, formats=True)


def compilable_schema(document: dict[str, Any]) -> dict[str, Any] | None:
    """One of our schema files as the fast path compiles it (refs inlined), or None when it cannot."""
    schema = _without_identifiers(inline_refs(document))
    return schema if _same_meaning(schema, True) else None


def _without_identifiers(document: dict[str, Any]) -> dict[str, Any]:
    """The inlined schema without `$schema`/`$id`/`$defs`: the fast path compiles it as draft 7, and a
    `$ref` left over (a recursive definition) keeps it off the fast path altogether."""
    return {key: value for key, value in document.items() if key not in ("$schema", "$id", "$defs")}


def inline_refs(document: dict[str, Any]) -> dict[str, Any]:
    """The schema with local `#/$defs/...` references replaced by the definitions themselves.

    Resolving a $ref per declared input was half of the metadata validation time; the result is the same.
    Recursive definitions keep their $ref (and $defs stays), so any schema remains valid.
    """
    definitions = document.get("$defs", {})

    def inline(node: Any, active: frozenset[str]) -> Any:
        if isinstance(node, dict):
            reference = node.get("$ref")
            if len(node) == 1 and isinstance(reference, str) and reference.startswith("#/$defs/"):
                name = reference.removeprefix("#/$defs/")
                if name in definitions and name not in active:
                    return inline(definitions[name], active | {name})
            return {key: value if key == "$defs" else inline(value, active) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item, active) for item in node]
        return node

    inlined: dict[str, Any] = inline(document, frozenset())
    return inlined


@lru_cache(maxsize=256)
def _compiled(schema_json: str) -> FastCheck | None:
    """Compiling costs ~5 ms; the versions of a prompt mostly share one declaration, so compile once."""
    schema = json.loads(schema_json)
    flat = _flat_check(schema)
    if flat is not None:
        return flat
    try:
        import fastjsonschema
    except ImportError:  # optional speed-up: without it every render validates with jsonschema
        return None
    try:
        validate = fastjsonschema.compile(
            {"$schema": "http://json-schema.org/draft-07/schema#", **schema}, use_default=False
        )
    except (fastjsonschema.JsonSchemaDefinitionException, ValueError, TypeError):
        return None

    return _accepting(validate)


def _accepting(validate: Callable[[Any], Any]) -> FastCheck:
    def check(inputs: Mapping[str, Any]) -> bool:
        try:
            validate(inputs)
        except Exception:  # a rejection, or a value it cannot judge: jsonschema decides
            return False
        return True

    return check


# --- the flat fast path ---------------------------------------------------------------------------
# Most prompt inputs are an object of scalars and lists of scalars. For those, a table of exact-type checks
# accepts in about a third of fastjsonschema's time (a render's input check is on every call). It is
# stricter than JSON Schema, never looser: `type(v) is int` turns away True and 2.0, a float must be finite,
# and any keyword or bound it does not model means no flat path at all.
_FLAT_KEYS = frozenset(
    {"type", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength"}
    | {"minItems", "maxItems", "items", "default", "title", "description", "examples", "pattern"}
)
_BOUNDS = {
    "string": ("minLength", "maxLength"),
    "integer": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"),
    "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"),
    "array": ("minItems", "maxItems"),
}
_ALL_BOUNDS = frozenset(key for keys in _BOUNDS.values() for key in keys)
_MISSING = object()
ValueCheck = Callable[[Any], bool]


def _is_bound(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _is_number(value: Any) -> bool:
    return type(value) is int or (type(value) is float and math.isfinite(value))


_EXACT = {"string": str, "integer": int, "boolean": bool, "object": dict, "array": list}
# (name, exact type or None, string enum or None, further check or None); None as the type: the further
# check judges the type too (numbers: an int, or a finite float)
Rule = tuple[str, type | None, frozenset[str] | None, ValueCheck | None]


def _flat_rule(name: str, schema: Any) -> Rule | None:
    """The rule of one property, or None when it is not flat (then the whole schema has no flat path)."""
    if (
        not isinstance(schema, dict)
        or not set(schema) <= _FLAT_KEYS
        or not isinstance(schema.get("type"), str)
    ):
        return None
    kind = schema["type"]
    if kind not in _EXACT and kind != "number":
        return None
    bounds = {key: schema[key] for key in _ALL_BOUNDS if key in schema}
    if not set(bounds) <= set(_BOUNDS.get(kind, ())) or not all(map(_is_bound, bounds.values())):
        return None
    enum: frozenset[str] | None = None
    if "enum" in schema:
        values = schema["enum"]
        if kind != "string" or not isinstance(values, list) or not all(type(v) is str for v in values):
            return None
        enum = frozenset(values)
    checks: list[ValueCheck] = [] if kind in _EXACT else [_is_number]
    if "pattern" in schema:
        program = _pattern_program(schema["pattern"]) if kind == "string" else None
        if program is None:
            return None  # jsonschema decides, and words why the pattern cannot be checked
        checks.append(lambda value: program.search(value) is not None)
    if "items" in schema:
        item = _flat_rule("", schema["items"]) if kind == "array" else None
        if item is None or item[2] is not None or item[3] is not None or item[1] is None:
            return None  # items: a plain scalar, list or object type only
        allowed = frozenset({item[1]})
        checks.append(lambda value: {*map(type, value)} <= allowed)
    checks += [_bound_check(key, limit, sized=kind in ("string", "array")) for key, limit in bounds.items()]
    further: ValueCheck | None = None
    if len(checks) == 1:
        further = checks[0]
    elif checks:
        further = lambda value: all(check(value) for check in checks)  # noqa: E731
    return (name, _EXACT.get(kind), enum, further)


def _pattern_program(pattern: Any) -> Any:
    """The RE2 program of a pattern, or None when there is none (not a string, or RE2 rejects it)."""
    from promptgit.format.patterns import PatternError, compiled

    try:
        return compiled(pattern) if isinstance(pattern, str) else None
    except PatternError:
        return None


def _bound_check(key: str, limit: float, *, sized: bool) -> ValueCheck:
    if key in ("minimum", "minLength", "minItems"):
        return (lambda value: len(value) >= limit) if sized else (lambda value: value >= limit)
    if key in ("maximum", "maxLength", "maxItems"):
        return (lambda value: len(value) <= limit) if sized else (lambda value: value <= limit)
    if key == "exclusiveMinimum":
        return lambda value: value > limit
    return lambda value: value < limit  # exclusiveMaximum


def _flat_check(schema: Any) -> FastCheck | None:
    """An acceptor for `{type: object, properties: {flat...}, required: [...]}`; None for anything else."""
    if not isinstance(schema, dict) or not set(schema) <= {"type", "properties", "required"}:
        return None
    properties, required = schema.get("properties", {}), schema.get("required", [])
    if schema.get("type") != "object" or not isinstance(properties, dict) or not isinstance(required, list):
        return None
    if not all(isinstance(name, str) for name in required):
        return None
    found = [_flat_rule(name, sub) for name, sub in properties.items()]
    rules = [rule for rule in found if rule is not None]
    if len(rules) != len(found):
        return None
    needed = frozenset(required)

    def accept(inputs: Mapping[str, Any]) -> bool:
        if type(inputs) is not dict or not needed <= inputs.keys():
            return False
        get = inputs.get
        for name, exact, enum, further in rules:
            value = get(name, _MISSING)
            if value is _MISSING:
                continue
            if exact is not None and type(value) is not exact:
                return False
            if enum is not None and value not in enum:
                return False
            if further is not None and not further(value):
                return False
        return True

    return accept
