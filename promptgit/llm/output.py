"""Structured answers: the `output:` schema sent as OpenAI's `response_format`, the answer parsed and checked.

A failing answer raises OutputValidationError naming the prompt, its version and the JSON path that failed;
complete() raises it inside the cache's compute step, so such an answer is never stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from promptgit.errors import OutputValidationError
from promptgit.format.outputschema import strict_problems

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

_NAME_CHARACTER = re.compile(r"[^a-zA-Z0-9_-]")


def response_format(prompt: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """The json_schema response format for `schema`; `strict` only when strict mode accepts the schema."""
    name = _NAME_CHARACTER.sub("_", prompt)[:64] or "output"
    return {
        "type": "json_schema",
        "json_schema": {"name": name, "schema": dict(schema), "strict": not strict_problems(schema)},
    }


def parse_output(text: str, schema: Mapping[str, Any], *, prompt: str, version: str) -> Any:
    """`text` parsed as JSON and checked against `schema`; OutputValidationError otherwise."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise OutputValidationError(
            f"{prompt}@{version}: the answer is not JSON: {exc}",
            prompt=prompt,
            version=version,
            path="$",
            text=text,
        ) from None
    from jsonschema.exceptions import best_match

    error = best_match(_validator(json.dumps(schema, sort_keys=True)).iter_errors(value))
    if error is not None:
        path = json_path(error.absolute_path)
        raise OutputValidationError(
            f"{prompt}@{version}: the answer does not match its output schema at {path}: {error.message}",
            prompt=prompt,
            version=version,
            path=path,
            text=text,
        )
    return value


def json_path(parts: Sequence[str | int]) -> str:
    """`("items", 0, "name")` -> `$.items[0].name`."""
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)


@lru_cache(maxsize=256)
def _validator(schema_json: str) -> Validator:
    # keyed by the schema's canonical JSON: one compiled validator per output schema in use
    from jsonschema.validators import validator_for

    schema = json.loads(schema_json)
    validator: Validator = validator_for(schema)(schema)
    return validator
