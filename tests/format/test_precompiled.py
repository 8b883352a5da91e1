"""The validators generated ahead of time from our schemas are current and judge like a fresh compile."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import fastjsonschema
import pytest

from promptgit.format.fastcheck import compilable_schema, schema_fast_check
from promptgit.format.precompile import SCHEMAS, precompiled_validator
from promptgit.format.prompt import parse_document
from promptgit.resources import schema

EXAMPLES = Path(__file__).resolve().parents[2] / "prompts"


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_schema_has_a_current_precompiled_validator(name: str) -> None:
    compilable = compilable_schema(schema(name))
    assert compilable is not None
    assert precompiled_validator(compilable) is not None, (
        f"schemas/{name}.schema.json changed: run python -m promptgit.format.precompile"
    )


def test_a_changed_schema_is_compiled_at_run_time_not_served_stale() -> None:
    changed = copy.deepcopy(schema("prompt"))
    changed["properties"]["kind"]["maxLength"] = 3
    compilable = compilable_schema(changed)
    assert compilable is not None and precompiled_validator(compilable) is None
    check = schema_fast_check(changed)
    assert check is not None and check({"version": "1.0.0", "kind": "hook"}) is False


def _metadata() -> list[dict[str, Any]]:
    found = []
    for path in sorted(EXAMPLES.rglob("*.j2")):
        if "partials" not in path.parts:
            name = path.relative_to(EXAMPLES).with_suffix("").as_posix()
            found.append(parse_document(name, str(path), path.read_bytes()).metadata)
    return found


def _variants(metadata: dict[str, Any]) -> list[Any]:
    broken: list[Any] = [metadata, {}, [], "text", {**metadata, "version": 1}, {**metadata, "unknown": 1}]
    broken += [{**metadata, "inputs": {"x": {"type": "strin"}}}, {**metadata, "token_budget": -1}]
    return broken


def test_precompiled_and_freshly_compiled_validators_agree() -> None:
    compilable = compilable_schema(schema("prompt"))
    assert compilable is not None
    fresh = fastjsonschema.compile(
        {"$schema": "http://json-schema.org/draft-07/schema#", **compilable}, use_default=False
    )
    generated = precompiled_validator(compilable)
    assert generated is not None
    outcomes = []
    for metadata in _metadata():
        for value in _variants(metadata):
            verdicts = []
            for validate in (fresh, generated):
                try:
                    validate(copy.deepcopy(value))
                    verdicts.append(True)
                except fastjsonschema.JsonSchemaException:
                    verdicts.append(False)
            outcomes.append(verdicts)
    assert all(fresh_ok == generated_ok for fresh_ok, generated_ok in outcomes)
    assert {True, False} <= {fresh_ok for fresh_ok, _ in outcomes}  # both verdicts were exercised
