"""The compiled metadata check accepts only what jsonschema accepts; jsonschema still words every finding."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from promptgit.config import Config
from promptgit.format.frontmatter import split
from promptgit.format.prompt import PromptDocument
from promptgit.resources import schema
from promptgit.validation.schema import SchemaChecks

from .helpers import RULES_DIR

VALID: dict[str, Any] = {
    "version": "1.2.3",
    "kind": "hook",
    "description": "d",
    "model": "gpt-4o-mini",
    "token_budget": 10,
    "inputs": {"topic": {"type": "string"}, "tone": {"type": ["string", "null"], "default": None}},
    "sample": {"topic": "x"},
    "params": {"temperature": 0.5},
    "tags": ["a", "b"],
    "owner": "me",
}


def _with(**changes: Any) -> dict[str, Any]:
    return {**VALID, **changes}


def _input(**spec: Any) -> dict[str, Any]:
    return _with(inputs={"topic": spec})


CASES: list[dict[str, Any]] = [
    VALID,
    {"version": "1.0.0", "kind": "hook"},
    {"version": "1.0.0"},
    _with(version="1.0"),
    _with(version="1.0.0\n"),  # `$` before a final newline: the same in both (Python's re)
    _with(version=datetime.date(2024, 1, 1)),
    _with(version=1),
    _with(kind="Hook"),
    _with(description=""),
    _with(token_budget=0),
    _with(token_budget=True),
    _with(token_budget=5.0),
    _with(token_budget=5.5),
    _with(token_budget=float("inf")),
    _with(token_budget=float("nan")),
    _with(inputs=[]),
    _with(inputs={"1bad": {"type": "string"}}),
    _with(inputs={1: {"type": "string"}}),
    _with(inputs={"topic": None}),
    _with(inputs={"topic": True}),
    _input(type="text"),
    _input(type=[]),
    _input(type=["string", "string"]),
    _input(type=["string", 1]),
    _input(type=True),
    _input(required="yes"),
    _input(required=0),
    _input(enum=[]),
    _input(enum=[1, True]),
    _input(minLength=-1),
    _input(minLength=True),
    _input(minimum="1"),
    _input(pattern="("),  # format: regex is only an annotation to jsonschema
    _input(pattern=1),
    _input(format=3),
    _input(default={"any": ["thing"]}),
    _input(unknown=1),
    _input(items=[]),
    _with(sample=[]),
    _with(sample=None),
    _with(params="hot"),
    _with(tags=["a", "a"]),
    _with(tags=["a", 1]),
    _with(tags=[True, "True"]),
    _with(tags={"a"}),
    _with(owner=None),
    _with(typo=1),
    _with(**{"1": 2}),
]


def _fixture_metadata() -> list[dict[str, Any]]:
    found = []
    for path in sorted(RULES_DIR.rglob("*.j2")):
        text = path.read_text("utf-8", errors="replace")
        if not text.startswith("---"):
            continue
        try:
            found.append(split(path.name, text).metadata)
        except Exception:  # a broken fixture never reaches the schema
            continue
    return found


@pytest.mark.parametrize("metadata", CASES + _fixture_metadata())
def test_fast_path_never_accepts_what_jsonschema_rejects(metadata: dict[str, Any]) -> None:
    checks = SchemaChecks(Config())
    reference = Draft202012Validator(schema("prompt"))

    errors = checks.metadata_errors(metadata)

    assert [error.message for error in errors] == [error.message for error in reference.iter_errors(metadata)]


def test_fast_path_is_in_use_for_the_shipped_schema() -> None:
    checks = SchemaChecks(Config())

    assert checks._accepts is not None
    assert checks._accepts(VALID)
    assert not checks._accepts(_with(tags=["a", "a"]))


def _document(front: str) -> PromptDocument:
    return PromptDocument("p", "prompts/p.j2", split("prompts/p.j2", f"---\n{front}---\nbody\n"))


@pytest.mark.parametrize(
    ("front", "broken"),
    [
        ("version: 1.0.0\nkind: hook\n", False),
        ("kind: hook\n", False),  # a missing version does not touch the inputs
        ("version: 1.0.0\nkind: hook\ntypo: 1\n", False),
        ("version: 1\nkind: hook\n", False),
        ("version: 1.0.0\nkind: hook\ninputs: {x: {type: text}}\n", True),
        ("version: 1.0.0\nkind: hook\nsample: [1]\n", True),
    ],
)
def test_one_validation_tells_findings_and_whether_inputs_are_broken(front: str, broken: bool) -> None:
    checked = SchemaChecks(Config()).metadata(_document(front))

    assert checked.inputs_broken is broken
    assert bool(checked.findings) is not Draft202012Validator(schema("prompt")).is_valid(
        yaml.safe_load(front)
    )


def test_metadata_findings_point_at_keys() -> None:
    checked = SchemaChecks(Config()).metadata(_document("version: 1.0.0\nkind: hook\ntoken_budget: 0\n"))

    assert [(item.line, item.code, item.message) for item in checked.findings] == [
        (4, "PG201", "token_budget: 0 is less than the minimum of 1")
    ]
