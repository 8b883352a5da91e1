"""Structured answers: the `output:` schema sent as OpenAI's `response_format`, the answer parsed and checked.

A failing answer raises OutputValidationError naming the prompt, its version and the JSON path that failed;
complete() raises it inside the cache's compute step, so such an answer is never stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from promptgit.errors import OutputValidationError
from promptgit.format.outputschema import AnswerProblem, checked_answer, strict_problems

_NAME_CHARACTER = re.compile(r"[^a-zA-Z0-9_-]")


def response_format(prompt: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """The json_schema response format for `schema`; `strict` only when strict mode accepts the schema."""
    name = _NAME_CHARACTER.sub("_", prompt)[:64] or "output"
    return {
        "type": "json_schema",
        "json_schema": {"name": name, "schema": dict(schema), "strict": not strict_problems(schema)},
    }


def parse_output(text: str, schema: Mapping[str, Any], *, prompt: str, version: str) -> Any:
    """`text` parsed as JSON and checked against `schema`; OutputValidationError otherwise (for any
    answer: the check itself is bounded and safe, see promptgit.format.outputschema.checked_answer)."""
    try:
        return checked_answer(text, schema)
    except AnswerProblem as problem:
        path = json_path(problem.path)
        if problem.mismatch:
            reason = f"the answer does not match its output schema at {path}: {problem.reason}"
        else:
            reason = problem.reason
        raise OutputValidationError(
            f"{prompt}@{version}: {reason}", prompt=prompt, version=version, path=path, text=text
        ) from None


def json_path(parts: Sequence[str | int]) -> str:
    """`("items", 0, "name")` -> `$.items[0].name`."""
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)
