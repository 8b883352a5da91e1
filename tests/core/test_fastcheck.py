"""The fast input check accepts only what jsonschema accepts, and stands aside when it cannot be sure."""

from __future__ import annotations

from typing import Any

import pytest

from promptgit.fastcheck import fast_check
from promptgit.inputs import input_errors, inputs_schema, inputs_validator_class

DECLARED = {
    "topic": {"type": "string", "minLength": 2, "description": "what about"},
    "tone": {"type": "string", "enum": ["playful", "serious"], "default": "playful"},
    "count": {"type": "integer", "minimum": 1, "maximum": 5, "required": False},
    "examples": {"type": "array", "items": {"type": "string"}, "maxItems": 2, "required": False},
}


@pytest.mark.parametrize(
    "inputs",
    [
        {"topic": "ab"},
        {"topic": "ab", "tone": "serious", "count": 3, "examples": ["x"]},
        {"topic": "a"},
        {"topic": "ab", "tone": "angry"},
        {"topic": "ab", "count": 0},
        {"topic": "ab", "count": True},
        {"topic": "ab", "count": 2.0},
        {"topic": "ab", "examples": ["x", "y", "z"]},
        {"topic": "ab", "examples": [1]},
        {"tone": "serious"},
        {"topic": None},
        {"topic": "ab", "undeclared": object()},
        {"topic": "ab", "examples": ("x",)},
        {"topic": "ab", "examples": (1,)},
    ],
)
def test_fast_check_never_accepts_what_jsonschema_rejects(inputs: dict[str, Any]) -> None:
    schema = inputs_schema(DECLARED)
    check = fast_check(schema)
    assert check is not None
    jsonschema_accepts = inputs_validator_class()(schema).is_valid(inputs)
    if check(inputs):
        assert jsonschema_accepts
    # and the checker built on it agrees with jsonschema either way
    assert (input_errors(DECLARED, inputs) == []) == jsonschema_accepts


def test_fast_check_accepts_valid_inputs() -> None:
    check = fast_check(inputs_schema(DECLARED))
    assert check is not None and check({"topic": "ab", "count": 5})


@pytest.mark.parametrize(
    "declared",
    [
        {"flag": {"enum": [1, "a"]}},  # 1 == True in Python, not in JSON Schema
        {"pair": {"type": "array", "items": [{"type": "string"}]}},  # tuple form differs across drafts
        {"pair": {"type": "array", "prefixItems": [{"type": "string"}]}},  # 2020-12 only
        {"mail": {"type": "string", "format": "email"}},
    ],
)
def test_no_fast_path_when_the_meaning_could_differ(declared: dict[str, Any]) -> None:
    assert fast_check(inputs_schema(declared)) is None


def test_tuples_are_arrays_on_both_paths() -> None:
    # fastjsonschema takes a tuple for an array; the authority must agree, or the answer depends on the path
    assert input_errors(DECLARED, {"topic": "ab", "examples": ("x",)}) == []
    assert input_errors(DECLARED, {"topic": "ab", "examples": (1,)}) == [
        ("examples", "[0] 1 is not of type 'string'")
    ]
