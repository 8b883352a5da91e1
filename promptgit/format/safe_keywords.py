"""jsonschema keywords whose own implementation can be made slow by a value: replaced by linear ones.

- `pattern`, `patternProperties`, `additionalProperties`: RE2 (promptgit.format.patterns) in place of
  Python's `re`. Same results and messages as jsonschema's own, except that a pattern RE2 cannot compile
  is an error on the value (fail closed) instead of a match attempt that may never end.
  `unevaluatedProperties` still asks `re` about `patternProperties` keys; PG604 flags such patterns.
- `uniqueItems`: jsonschema compares items pairwise when they cannot be sorted (objects, mixed types),
  quadratic in the array; here each item is hashed as canonical JSON (one pass), with JSON Schema's
  equality (1 == 1.0, true != 1, key order ignored, a tuple is an array).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from jsonschema.exceptions import ValidationError

from promptgit.format.patterns import PatternError, search
from promptgit.format.quoting import quoted


def _search(pattern: str, text: str) -> bool | ValidationError:
    try:
        return search(pattern, text)
    except PatternError as exc:
        return ValidationError(str(exc))


def pattern(validator: Any, patrn: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "string"):
        return
    found = _search(patrn, instance)
    if isinstance(found, ValidationError):
        yield found
    elif not found:
        yield ValidationError(f"{instance!r} does not match {patrn!r}")


def pattern_properties(
    validator: Any, patterns: dict[str, Any], instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for patrn, subschema in patterns.items():
        for key, value in instance.items():
            found = _search(patrn, key)
            if isinstance(found, ValidationError):
                yield found
                return
            if found:
                yield from validator.descend(value, subschema, path=key, schema_path=patrn)


def additional_properties(
    validator: Any, extra: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = {
        key
        for key in instance
        if key not in properties and not any(_search(p, key) is True for p in patterns)
    }
    if validator.is_type(extra, "object"):
        for key in extras:
            yield from validator.descend(instance[key], extra, path=key)
    elif not extra and extras:
        joined = ", ".join(repr(each) for each in sorted(extras, key=str))
        if patterns:
            verb = "does" if len(extras) == 1 else "do"
            listed = ", ".join(repr(each) for each in sorted(patterns))
            yield ValidationError(f"{joined} {verb} not match any of the regexes: {listed}")
        else:
            verb = "was" if len(extras) == 1 else "were"
            yield ValidationError(f"Additional properties are not allowed ({joined} {verb} unexpected)")


def unique_items(validator: Any, unique: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if not unique or not validator.is_type(instance, "array"):
        return
    seen: set[str] = set()
    for item in instance:
        identity = canonical_json(item)
        if identity in seen:
            yield ValidationError(f"{quoted(instance)} has non-unique elements")
            return
        seen.add(identity)


def canonical_json(value: Any) -> str:
    """One string per JSON value, equal exactly when JSON Schema calls the values equal."""
    return json.dumps(_canonical(value), sort_keys=True, ensure_ascii=True, default=repr)


def _canonical(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 1.0 is the number 1
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, Mapping):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    return repr(value)  # not JSON: equal only to an identical repr


SAFE_KEYWORDS = {
    "pattern": pattern,
    "patternProperties": pattern_properties,
    "additionalProperties": additional_properties,
    "uniqueItems": unique_items,
}
