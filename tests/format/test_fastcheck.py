"""The fast input check accepts only what jsonschema accepts, and stands aside when it cannot be sure."""

from __future__ import annotations

from typing import Any

import pytest

from promptgit.format.fastcheck import fast_check
from promptgit.format.inputs import input_errors, inputs_schema, inputs_validator_class

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


@pytest.mark.parametrize(
    ("name", "document", "valid"),
    [
        ("labels", {"production": {"content/hook": "1.0.0"}, "staging": {}}, True),
        ("labels", {}, True),
        ("labels", {"production": {"content/hook": "1.0"}}, False),
        ("labels", {"latest": {"content/hook": "1.0.0"}}, False),  # a reserved selector word
        ("labels", {"Prod": {}}, False),
        ("labels", {"production": {"content hook": "1.0.0"}}, False),
        ("labels", ["production"], False),
        ("labels", {"production": ["content/hook"]}, False),
        ("config", {"prompts_dir": "prompts", "kinds": ["hook", "critic"], "rules": {"PG302": "off"}}, True),
        ("config", {"kinds": ["hook", "hook"]}, False),
        ("config", {"kinds": ["Hook"]}, False),
        ("config", {"rules": {"PG302": "loud"}}, False),
        ("config", {"prompt_dir": "prompts"}, False),
        ("config", {"max_file_bytes": True}, False),
    ],
)
def test_schema_fast_paths_accept_exactly_what_jsonschema_accepts(
    name: str, document: Any, valid: bool
) -> None:
    from jsonschema import Draft202012Validator

    from promptgit.format.fastcheck import schema_fast_check
    from promptgit.resources import schema

    accepts = schema_fast_check(schema(name))
    assert accepts is not None, f"{name}: no fast path, so every run imports jsonschema"
    assert Draft202012Validator(schema(name)).is_valid(document) is valid
    assert accepts(document) is valid
