"""The `output:` front matter key: a JSON Schema for a structured answer, and OpenAI strict mode's limits.

OpenAI's structured outputs with `strict: true` accept a subset of JSON Schema
(https://platform.openai.com/docs/guides/structured-outputs#supported-schemas): the root is an object,
every object sets `additionalProperties: false` and lists all its properties in `required`, and some
keywords are rejected. `strict_problems` lists where a schema leaves that subset; `promptgit.llm` sends
`strict: true` only when there are none, and the validator (PG211) warns about each.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

JsonPath = tuple[str | int, ...]

# keywords strict mode rejects (composition other than anyOf, and the constraints it does not enforce)
UNSUPPORTED_IN_STRICT = frozenset(
    {
        "allOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
        "dependentRequired",
        "dependentSchemas",
        "patternProperties",
        "unevaluatedProperties",
        "propertyNames",
        "minProperties",
        "maxProperties",
        "unevaluatedItems",
        "contains",
        "minContains",
        "maxContains",
        "uniqueItems",
        "minLength",
        "maxLength",
    }
)
_SUBSCHEMA_MAPS = ("properties", "$defs", "definitions")
_SUBSCHEMA_LISTS = ("anyOf", "allOf", "oneOf", "prefixItems")
_SUBSCHEMAS = ("items", "additionalProperties", "not", "if", "then", "else", "contains")


def output_schema(metadata: Mapping[str, Any]) -> dict[str, Any] | None:
    """The prompt's `output:` schema, or None when it declares none."""
    schema = metadata.get("output")
    return dict(schema) if isinstance(schema, Mapping) else None


def strict_problems(schema: Mapping[str, Any]) -> list[tuple[JsonPath, str]]:
    """(path inside the schema, why) for every place OpenAI strict mode would reject; [] when it accepts."""
    problems: list[tuple[JsonPath, str]] = []
    if schema.get("type") != "object":
        problems.append(((), "the root of a strict schema must be `type: object`"))
    problems.extend(_walk(schema, ()))
    return problems


def _walk(schema: Mapping[str, Any], path: JsonPath) -> Iterator[tuple[JsonPath, str]]:
    for keyword in sorted(UNSUPPORTED_IN_STRICT & set(schema)):
        yield (*path, keyword), f"strict mode does not support `{keyword}`"
    properties = schema.get("properties")
    if schema.get("type") == "object" or isinstance(properties, Mapping):
        if schema.get("additionalProperties") is not False:
            yield path, "strict mode needs `additionalProperties: false` on every object"
        declared = list(properties) if isinstance(properties, Mapping) else []
        listed = schema.get("required")
        required = listed if isinstance(listed, list) else []
        missing = [name for name in declared if name not in required]
        if missing:
            yield path, f"strict mode needs every property in `required` (missing: {', '.join(missing)})"
    for children in _SUBSCHEMA_MAPS:
        found = schema.get(children)
        if isinstance(found, Mapping):
            for name, child in found.items():
                if isinstance(child, Mapping):
                    yield from _walk(child, (*path, children, str(name)))
    for children in _SUBSCHEMA_LISTS:
        found = schema.get(children)
        if isinstance(found, list):
            for index, child in enumerate(found):
                if isinstance(child, Mapping):
                    yield from _walk(child, (*path, children, index))
    for child_key in _SUBSCHEMAS:
        child = schema.get(child_key)
        if isinstance(child, Mapping):
            yield from _walk(child, (*path, child_key))
