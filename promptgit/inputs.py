"""Declared prompt inputs: a small JSON-Schema subset per variable, checked with jsonschema."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator

# keys of an input declaration that are promptgit's, not JSON Schema's
_PROMPTGIT_KEYS = frozenset({"required", "description"})


def inputs_schema(declared: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The JSON Schema (2020-12) of the inputs object a prompt accepts."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, spec in declared.items():
        spec = spec or {}
        properties[name] = {k: v for k, v in spec.items() if k not in _PROMPTGIT_KEYS}
        if spec.get("required", True) and "default" not in spec:
            required.append(name)
    return {"type": "object", "properties": properties, "required": required}


def is_required(spec: Mapping[str, Any] | None) -> bool:
    spec = spec or {}
    return bool(spec.get("required", True)) and "default" not in spec


@lru_cache(maxsize=1024)
def _validator(schema_key: str) -> Draft202012Validator:
    import json

    return Draft202012Validator(json.loads(schema_key))


def validator_for(declared: Mapping[str, Mapping[str, Any]]) -> Draft202012Validator:
    """A cached validator; prompts with the same declaration share one."""
    import json

    return _validator(json.dumps(inputs_schema(declared), sort_keys=True, default=str))


def input_errors(
    declared: Mapping[str, Mapping[str, Any]], values: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """(variable, message) for every way `values` violates the declaration, in a stable order."""
    problems: list[tuple[str, str]] = []
    for error in sorted(validator_for(declared).iter_errors(dict(values)), key=lambda e: list(e.path)):
        if error.validator == "required" and not error.path:
            missing = error.message.split("'")[1] if "'" in error.message else "?"
            problems.append((missing, "is required but was not given"))
            continue
        variable = str(error.path[0]) if error.path else "?"
        where = "".join(f"[{p!r}]" for p in list(error.path)[1:])
        problems.append((variable, f"{where} {error.message}".strip()))
    return problems


def with_defaults(declared: Mapping[str, Mapping[str, Any]], values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` plus each undeclared-but-defaulted input; optional inputs without default become None.

    Optional inputs are bound to None so a template can test `{% if examples %}` under StrictUndefined.
    """
    result = dict(values)
    for name, spec in declared.items():
        if name in result:
            continue
        spec = spec or {}
        if "default" in spec:
            result[name] = copy.deepcopy(spec["default"])
        elif not spec.get("required", True):
            result[name] = None
    return result
