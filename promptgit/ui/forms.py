"""The render form, generated from a prompt's `inputs:`: a field per input, and the values read back.

enum -> a select, boolean -> a checkbox, integer/number -> a number field, string -> a text area, and
anything else (array, object, several types, none) -> a JSON text area whose parse error is shown at the
field. What the form cannot judge (types, bounds, required, patterns) is left to the library's input check,
whose messages are put back at the field they name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from promptgit.format.inputs import is_required

PREFIX = "input."  # form names of input fields: `input.topic`, apart from `version` and `csrf`


@dataclass
class Field:
    name: str
    widget: str  # text, select, checkbox, number, json
    value: str = ""  # what the field shows (JSON text for a json field, the option value for a select)
    checked: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, label) of a select
    required: bool = True
    description: str = ""
    type_label: str = ""
    error: str = ""

    @property
    def form_name(self) -> str:
        return PREFIX + self.name


def fields_for(declared: Mapping[str, Mapping[str, Any]], initial: Mapping[str, Any]) -> list[Field]:
    """A field per declared input, showing `initial` values (the sample), else the input's default."""
    fields = []
    for name, raw_spec in declared.items():
        spec = raw_spec if isinstance(raw_spec, Mapping) else {}
        types = spec.get("type")
        widget = _widget(spec)
        shown = initial.get(name, spec.get("default"))
        item = Field(
            name,
            widget,
            required=is_required(spec) and "default" not in spec,
            description=str(spec.get("description") or ""),
            type_label=(
                "enum"
                if widget == "select"
                else "/".join(types)
                if isinstance(types, list)
                else str(types or "any (JSON)")
            ),
        )
        if widget == "select":
            item.options = [("", "(not given)")] if not item.required else []
            item.options += [(json.dumps(value), str(value)) for value in spec.get("enum") or []]
            item.value = json.dumps(shown) if shown is not None else ""
        elif widget == "checkbox":
            item.checked = shown is True
        elif widget == "json":
            item.value = json.dumps(shown, indent=1, ensure_ascii=False) if shown is not None else ""
        else:
            item.value = "" if shown is None else str(shown)
        fields.append(item)
    return fields


def _widget(spec: Mapping[str, Any]) -> str:
    if isinstance(spec.get("enum"), list) and spec["enum"]:
        return "select"
    types = spec.get("type")
    if types == "boolean":
        return "checkbox"
    if types in ("integer", "number"):
        return "number"
    if types == "string":
        return "text"
    return "json"


def read_values(fields: list[Field], form: Mapping[str, list[str]]) -> dict[str, Any]:
    """The inputs a submitted form gives, each field updated to show what was sent; a value the form
    itself cannot read (JSON, a number) sets the field's error and is left out."""
    values: dict[str, Any] = {}
    for item in fields:
        raw = form.get(item.form_name, [""])[-1]
        if item.widget == "checkbox":
            item.checked = raw == "on"
            values[item.name] = item.checked
            continue
        item.value = raw
        if raw == "" or (raw.strip() == "" and item.widget != "text"):
            continue  # not given: the library applies the default, or says it is required
        if item.widget == "text":
            values[item.name] = raw
        elif item.widget == "number":
            try:
                values[item.name] = int(raw) if raw.strip().lstrip("-").isdigit() else float(raw)
            except ValueError:
                item.error = f"not a number: {raw!r}"
        else:  # select (its options are JSON) and json
            try:
                values[item.name] = json.loads(raw)
            except ValueError as exc:
                item.error = f"not valid JSON: {exc}"
    return values


def show_problems(fields: list[Field], problems: list[tuple[str, str]]) -> list[str]:
    """Put each (input, message) of the library's check at its field; those naming no field are returned."""
    by_name = {item.name: item for item in fields}
    left = []
    for name, message in problems:
        if name in by_name:
            item = by_name[name]
            item.error = f"{item.error}; {message}" if item.error else message
        else:
            left.append(f"{name}: {message}")
    return left
