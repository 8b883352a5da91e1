"""Declared prompt inputs: a small JSON-Schema subset per variable, checked with jsonschema.

Checking is on the render hot path, so a compiled fast path (promptgit.format.fastcheck) accepts valid
inputs and jsonschema only runs to decide and word the errors of inputs the fast path does not accept.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from promptgit.errors import did_you_mean
from promptgit.format.fastcheck import fast_check
from promptgit.format.quoting import QUOTE_CHARACTERS, quoted, short_message

Declared = Mapping[str, Mapping[str, Any]]


@lru_cache(maxsize=1)
def inputs_validator_class() -> Any:
    """Draft 2020-12 where a tuple is an array too, and patterns are matched by RE2.

    Python callers pass tuples where JSON has arrays; fastjsonschema (the fast path) already accepts them,
    so jsonschema must too, or the same inputs would pass or fail depending on which path judged them.
    `pattern` and `patternProperties` use the linear-time engine (promptgit.format.patterns), never `re`,
    and `uniqueItems` hashes items (promptgit.format.safe_keywords): every check is linear in the input.
    Built on first use: valid inputs never need jsonschema, and importing it is a third of CLI start-up.
    """
    from jsonschema import Draft202012Validator, validators

    from promptgit.format.safe_keywords import SAFE_KEYWORDS

    array_or_tuple = Draft202012Validator.TYPE_CHECKER.redefine(
        "array", lambda _checker, instance: isinstance(instance, (list, tuple))
    )
    return validators.extend(Draft202012Validator, validators=SAFE_KEYWORDS, type_checker=array_or_tuple)


# keys of an input declaration that are promptgit's, not JSON Schema's
_PROMPTGIT_KEYS = frozenset({"required", "description"})


def inputs_schema(declared: Declared, strict: bool = True) -> dict[str, Any]:
    """The JSON Schema (2020-12) of the inputs object a prompt accepts; `strict`: no undeclared names."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, spec in declared.items():
        spec = spec or {}
        properties[name] = _without_references({k: v for k, v in spec.items() if k not in _PROMPTGIT_KEYS})
        if spec.get("required", True) and "default" not in spec:
            required.append(name)
    if not strict:
        return {"type": "object", "properties": properties, "required": required}
    # undeclared names are refused: a typo in an input name (`tickte=`) must fail, not render without it
    return {"type": "object", "properties": properties, "additionalProperties": False, "required": required}


def _without_references(value: Any) -> Any:
    """`value` without `$`-keywords (`$ref`, `$defs`, `$id`, ...): not part of the inputs subset (PG201
    reports them), and a `$ref` made jsonschema raise its own _WrappedReferencingError at render time."""
    if isinstance(value, dict):
        return {k: _without_references(v) for k, v in value.items() if not str(k).startswith("$")}
    if isinstance(value, list):
        return [_without_references(item) for item in value]
    return value


def is_required(spec: Mapping[str, Any] | None) -> bool:
    spec = spec or {}
    return bool(spec.get("required", True)) and "default" not in spec


class InputsChecker:
    """Checks values against one declaration and applies its defaults; build once, use per render."""

    def __init__(self, declared: Declared, strict: bool = True) -> None:
        self.declared = {str(name): dict(spec or {}) for name, spec in declared.items()}
        self._schema = inputs_schema(self.declared, strict)
        # the fast path judges the declared names; which names are allowed is one set comparison here
        self._accepts = fast_check(inputs_schema(self.declared, strict=False))
        self._names = frozenset(self.declared) if strict else None
        self._fillable = frozenset(
            name
            for name, spec in self.declared.items()
            if "default" in spec or not spec.get("required", True)
        )

    def errors(self, values: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(variable, message) for every way `values` violates the declaration, in a stable order."""
        names = self._names
        if self._accepts is not None and (names is None or values.keys() <= names) and self._accepts(values):
            return []
        problems: list[tuple[str, str]] = []
        errors = inputs_validator_class()(self._schema).iter_errors(dict(values))
        for error in sorted(errors, key=lambda e: [str(part) for part in e.path]):
            if error.validator == "additionalProperties" and not error.path:
                problems.extend(self._undeclared(values))
                continue
            if error.validator == "required" and not error.path:
                missing = error.message.split("'")[1] if "'" in error.message else "?"
                problems.append((missing, "is required but was not given"))
                continue
            variable = str(error.path[0]) if error.path else "?"
            where = "".join(f"[{quoted(part)}]" for part in list(error.path)[1:])
            problems.append((variable, f"{where} {short_message(error)}".strip()))
        return problems

    def _undeclared(self, values: Mapping[str, Any]) -> list[tuple[str, str]]:
        declared = sorted(self.declared)
        return [
            (name, f"is not a declared input ({did_you_mean(name, declared, 'inputs')})")
            for name in sorted(_short_name(str(key)) for key in values if key not in self.declared)
        ]

    def with_defaults(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """`values` plus each missing defaulted input; optional inputs without default become None.

        Optional inputs are bound to None so a template can test `{% if examples %}` under StrictUndefined.
        """
        result = dict(values)
        if self._fillable <= result.keys():  # the usual render: every input given
            return result
        for name, spec in self.declared.items():
            if name in result:
                continue
            if "default" in spec:
                result[name] = copy.deepcopy(spec["default"])
            elif not spec.get("required", True):
                result[name] = None
        return result


def _short_name(name: str) -> str:
    """An undeclared input's name as it is quoted in messages: a caller's key may be megabytes long."""
    return name if len(name) <= QUOTE_CHARACTERS else quoted(name)


def checker_for(declared: Declared, strict: bool = True) -> InputsChecker:
    """A shared checker: prompts (and versions of a prompt) with the same declaration use one.

    `strict` (the default) refuses names that are not declared; only a stand-in that must take whatever
    the real prompt takes (a bare fallback template) is not strict.
    """
    return _checker(json.dumps(declared, sort_keys=True, default=str), strict)


@lru_cache(maxsize=1024)
def _checker(declared_json: str, strict: bool) -> InputsChecker:
    return InputsChecker(json.loads(declared_json), strict)


def input_errors(declared: Declared, values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(variable, message) for every way `values` violates the declaration, in a stable order."""
    return checker_for(declared).errors(values)


def with_defaults(declared: Declared, values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` with the declaration's defaults applied (see InputsChecker.with_defaults)."""
    return checker_for(declared).with_defaults(values)
