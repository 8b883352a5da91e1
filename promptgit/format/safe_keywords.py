"""jsonschema's pattern keywords with RE2 (promptgit.format.patterns) in place of Python's `re`.

Same results and messages as jsonschema's own (`_keywords.pattern`, `patternProperties`,
`additionalProperties`), except that a pattern RE2 cannot compile is an error on the value (fail
closed) instead of a match attempt that may never end. `unevaluatedProperties` still asks `re` about
`patternProperties` keys; PG604 flags the patterns for which that is slow.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema.exceptions import ValidationError

from promptgit.format.patterns import PatternError, search


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


SAFE_PATTERN_KEYWORDS = {
    "pattern": pattern,
    "patternProperties": pattern_properties,
    "additionalProperties": additional_properties,
}
