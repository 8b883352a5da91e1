"""Issue 21 item 4: checking inputs is linear in the input, and error messages quote a value briefly."""

from __future__ import annotations

import subprocess
import sys

import pytest

from promptgit.format.inputs import input_errors

from .conftest import BOUND_SECONDS, REPO_ROOT

# pairwise comparison of 50,000 items is 1.25e9 comparisons (about half an hour); hashing is 50,000
UNIQUE_TAGS = {"tags": {"type": "array", "uniqueItems": True}, "n": {"type": "integer"}}


def _check_in_a_bounded_process(code: str) -> str:
    prelude = "from promptgit.format.inputs import input_errors\n"
    result = subprocess.run(
        [sys.executable, "-c", prelude + code],
        capture_output=True,
        text=True,
        timeout=BOUND_SECONDS,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
        cwd=REPO_ROOT,
    )
    assert result.stderr == ""
    return result.stdout


@pytest.mark.parametrize(
    "items",
    [
        "[{'id': i} for i in range(50_000)]",  # dicts: unhashable, and unsortable in Python
        "[i if i % 2 else str(i) for i in range(50_000)]",  # mixed types: unsortable
    ],
    ids=["dicts", "mixed"],
)
def test_unique_items_of_unhashable_or_mixed_values_is_linear(items: str) -> None:
    # n is wrong too, so jsonschema (not the fast path) judges the whole input, uniqueItems included
    code = f"items = {items}\nprint(input_errors({UNIQUE_TAGS!r}, {{'tags': items + [items[7]], 'n': 'x'}}))"

    printed = _check_in_a_bounded_process(code)

    assert "'n', \"'x' is not of type 'integer'\"" in printed
    assert "has non-unique elements" in printed
    assert len(printed) < 400  # the 50,001 items are not quoted


@pytest.mark.parametrize(
    ("tags", "duplicated"),
    [
        ([1, 1.0], True),  # JSON Schema: 1 and 1.0 are the same number
        ([True, 1], False),  # but true is not 1
        ([False, 0], False),
        ([{"a": 1, "b": [1, 2]}, {"b": [1, 2.0], "a": 1}], True),  # key order does not matter
        ([[1, 2], [2, 1]], False),  # item order does
        ([[1, 2], (1, 2)], True),  # a tuple is an array
        (["1", 1], False),
        ([None, "null"], False),
        ([{"a": True}, {"a": 1}], False),
        (["\ud800", "\ud800"], True),  # a lone surrogate is a legal JSON string
    ],
)
def test_unique_items_keeps_json_schema_equality(tags: list[object], duplicated: bool) -> None:
    problems = input_errors(UNIQUE_TAGS, {"tags": tags, "n": "not a number"})

    assert any("non-unique" in message for _, message in problems) is duplicated


def test_a_long_value_is_quoted_with_its_length_not_whole() -> None:
    declared = {"topic": {"type": "string", "maxLength": 10}, "tags": {"type": "array", "maxItems": 2}}

    problems = input_errors(declared, {"topic": "x" * 1_000_000, "tags": list(range(100_000))})

    assert [variable for variable, _ in problems] == ["tags", "topic"]
    assert all(len(message) < 120 for _, message in problems), problems
    assert "(100,000 items) is too long" in problems[0][1]
    assert "(1,000,000 characters) is too long" in problems[1][1]


def test_a_short_value_is_quoted_as_before() -> None:
    problems = input_errors({"topic": {"type": "string", "enum": ["a", "b"]}}, {"topic": "c"})

    assert problems == [("topic", "'c' is not one of ['a', 'b']")]


def test_an_undeclared_name_is_quoted_briefly() -> None:
    problems = input_errors({"topic": {"type": "string"}}, {"topic": "t", "k" * 100_000: 1})

    assert len(problems) == 1 and len(problems[0][0]) < 60 and "100,000 characters" in problems[0][0]
