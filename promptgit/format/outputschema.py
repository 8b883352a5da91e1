"""The `output:` front matter key: a JSON Schema for a structured answer, and OpenAI strict mode's limits.

OpenAI's structured outputs with `strict: true` accept a subset of JSON Schema
(https://platform.openai.com/docs/guides/structured-outputs#supported-schemas): the root is an object,
every object sets `additionalProperties: false` and lists all its properties in `required`, and some
keywords are rejected. `strict_problems` lists where a schema leaves that subset; `promptgit.llm` sends
`strict: true` only when there are none, and the validator (PG211) warns about each.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from promptgit.format.quoting import short_message

JsonPath = tuple[str | int, ...]

# deeper answers are refused before they are parsed: json.loads and jsonschema recurse per level, and a
# model asked for JSON has no reason to nest anything near this deep
MAX_ANSWER_DEPTH = 100

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


class AnswerProblem(ValueError):
    """Why an answer cannot be accepted: `path` inside the answer (() for the whole) and the reason;
    `mismatch` when the answer is JSON that the schema refuses (not unparsable, not uncheckable)."""

    def __init__(self, path: JsonPath, reason: str, *, mismatch: bool = False) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason
        self.mismatch = mismatch


def checked_answer(text: str, schema: Mapping[str, Any]) -> Any:
    """`text` (a model answer) parsed as JSON and checked against `schema`; AnswerProblem otherwise.

    The answer is the attacker's (prompt injection through any input reaches it), so nothing in it can
    make the check hang or raise anything else: patterns run on RE2 (promptgit.format.patterns), nesting
    is bounded before parsing, and `$ref`s resolve only inside the schema (a remote one is never fetched;
    a loop or a dangling one makes every answer fail, since nothing can be checked against it).
    """
    depth = _nesting(text)
    if depth > MAX_ANSWER_DEPTH:
        raise AnswerProblem((), f"the answer is nested deeper than {MAX_ANSWER_DEPTH} levels ({depth})")
    try:
        value = json.loads(text)
    except (TypeError, ValueError, RecursionError) as exc:
        raise AnswerProblem((), f"the answer is not JSON: {str(exc)[:80]}") from None
    from jsonschema.exceptions import best_match
    from referencing.exceptions import Unresolvable

    validator = _answer_validator(json.dumps(schema, sort_keys=True, default=str))
    try:
        error = best_match(validator.iter_errors(value))
    except RecursionError:
        raise AnswerProblem((), "the output schema cannot be checked: its `$ref`s loop") from None
    except Unresolvable as exc:
        reason = f"the output schema cannot be checked: `$ref` {str(exc)[:80]} does not resolve inside it"
        raise AnswerProblem((), reason) from None
    if error is not None:
        raise AnswerProblem(tuple(error.absolute_path), short_message(error), mismatch=True)
    return value


_SIGNIFICANT = re.compile(r'[\[\]{}"\\]')  # what decides nesting: brackets, quotes, escapes


def _nesting(text: str) -> int:
    """How deep `text`'s arrays and objects nest (brackets inside strings do not count); one pass."""
    if not isinstance(text, str) or ("[" not in text and "{" not in text):
        return 0
    depth = deepest = 0
    in_string = False
    escaped_at = -1  # the position a backslash inside a string escapes
    for match in _SIGNIFICANT.finditer(text):
        character, position = match.group(), match.start()
        if in_string:
            if position == escaped_at:
                continue
            if character == "\\":
                escaped_at = position + 1
            elif character == '"':
                in_string = False
        elif character == '"':
            in_string = True
        elif character in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif character in "]}":
            depth -= 1
    return deepest


@lru_cache(maxsize=256)
def _answer_validator(schema_json: str) -> Any:
    # keyed by the schema's canonical JSON: one compiled validator per output schema in use
    from jsonschema import Draft202012Validator, validators
    from referencing import Registry
    from referencing.exceptions import NoSuchResource

    from promptgit.format.safe_keywords import SAFE_KEYWORDS

    def never_fetch(uri: str) -> Any:
        raise NoSuchResource(ref=uri)  # type: ignore[call-arg]  # jsonschema's default registry would fetch http(s) refs

    schema = json.loads(schema_json)
    base = validators.validator_for(schema, default=Draft202012Validator)
    safe = validators.extend(base, validators=SAFE_KEYWORDS)
    return safe(schema, registry=Registry(retrieve=never_fetch))  # type: ignore[call-arg]
