"""A fast acceptance path for JSON Schema checks on hot paths; jsonschema stays the authority.

jsonschema's generic machinery costs ~70 us for a five-input declaration, four times a sandboxed render.
fastjsonschema compiles the same schema to plain Python (~1 us). It is used only to *accept* values, and
only for schemas made of keywords whose meaning is identical in both (draft 7 and 2020-12, no
bool/number enum confusion, no format checking); anything it rejects or cannot judge goes to jsonschema,
which decides and words the error messages. `formats=True` also admits `format`: jsonschema (without a
format checker) only annotates it while fastjsonschema checks it, so the fast path only gets stricter.
"""

from __future__ import annotations

import json
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
        "pattern",
        "enum",
        "items",
        "default",
        "title",
        "description",
        "examples",
        "additionalProperties",
        "propertyNames",
        "anyOf",
        "uniqueItems",  # fastjsonschema tells True from 1 here, as JSON Schema does
    }
)


def _same_meaning(schema: Any, formats: bool = False) -> bool:
    if isinstance(schema, bool):  # true/false schemas mean the same in both
        return True
    allowed = _SAME_MEANING | {"format"} if formats else _SAME_MEANING
    if not isinstance(schema, dict) or not set(schema) <= allowed:
        return False
    # Python's 1 == True would let fastjsonschema accept what JSON Schema equality rejects
    if "enum" in schema and not all(isinstance(value, str) for value in schema["enum"]):
        return False
    # a list of items is tuple validation in draft 7: only a single schema means the same
    single = [schema[key] for key in ("items", "additionalProperties", "propertyNames") if key in schema]
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


@lru_cache(maxsize=256)
def _compiled(schema_json: str) -> FastCheck | None:
    """Compiling costs ~5 ms; the versions of a prompt mostly share one declaration, so compile once."""
    schema = json.loads(schema_json)
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

    def check(inputs: Mapping[str, Any]) -> bool:
        try:
            validate(inputs)
        except Exception:  # a rejection, or a value it cannot judge: jsonschema decides
            return False
        return True

    return check
