"""Issue 21 item 2: a model answer is attacker-influenced (prompt injection through any input), so checking
it against `output:` must neither hang (RE2, as for inputs) nor raise anything but OutputValidationError."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import openai
import pytest
from prometheus_client import CollectorRegistry

from promptgit.errors import OutputValidationError
from promptgit.llm import complete
from promptgit.llm.output import parse_output
from promptgit.loader import Repository

from .conftest import BOUND_SECONDS, REPO_ROOT

EVIL = "^(a+)+$"
ALMOST = "a" * 40 + "!"  # Python's re needs about 2**40 steps to reject this

PATTERN_SCHEMA = {"type": "object", "properties": {"x": {"type": "string", "pattern": EVIL}}}
PATTERN_PROPERTIES_SCHEMA = {
    "type": "object",
    "patternProperties": {EVIL: {"type": "integer"}},
    "additionalProperties": False,
}


def _parse_in_a_bounded_process(schema: dict[str, Any], text: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import json, sys\n"
        "from promptgit.errors import OutputValidationError\n"
        "from promptgit.llm.output import parse_output\n"
        "schema, text = json.loads(sys.stdin.read())\n"
        "try:\n"
        "    parse_output(text, schema, prompt='p', version='1.0.0')\n"
        "except OutputValidationError as exc:\n"
        "    print('refused', exc.path, str(exc)[:300])\n"
        "else:\n"
        "    print('accepted')\n"
    )
    import json

    return subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps([schema, text]),
        capture_output=True,
        text=True,
        timeout=BOUND_SECONDS,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
        cwd=REPO_ROOT,
    )


@pytest.mark.parametrize(
    ("schema", "answer", "path"),
    [
        (PATTERN_SCHEMA, f'{{"x": "{ALMOST}"}}', "$.x"),
        (PATTERN_PROPERTIES_SCHEMA, f'{{"{ALMOST}": 1}}', "$"),
    ],
    ids=["pattern", "patternProperties"],
)
def test_an_almost_matching_answer_is_refused_in_linear_time(
    schema: dict[str, Any], answer: str, path: str
) -> None:
    result = _parse_in_a_bounded_process(schema, answer)

    assert result.stderr == ""
    assert result.stdout.startswith(f"refused {path} p@1.0.0: the answer does not match its output schema")


def test_a_matching_answer_still_passes_the_safe_engine() -> None:
    assert parse_output('{"x": "aaaa"}', PATTERN_SCHEMA, prompt="p", version="1.0.0") == {"x": "aaaa"}
    assert parse_output('{"aa": 1}', PATTERN_PROPERTIES_SCHEMA, prompt="p", version="1.0.0") == {"aa": 1}


@pytest.mark.parametrize(
    ("schema", "answer", "why"),
    [
        ({"$defs": {"a": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}, "{}", "cannot be checked"),
        ({"$ref": "http://127.0.0.1:9/schema.json"}, "{}", "cannot be checked"),
        ({"$ref": "#/$defs/missing"}, "{}", "cannot be checked"),
        ({"type": "array"}, "[" * 100_000, "nested deeper than 100 levels"),
        ({"type": "array", "maxItems": 1}, '["[[[[", "\\"[[["]', "does not match"),
        ({"type": "array"}, "[" * 5_000 + "]" * 5_000, "nested deeper than"),
        ({"items": {"$ref": "#"}}, "[" * 900 + "]" * 900, "nested deeper than"),
    ],
    ids=["ref-loop", "remote-ref", "missing-ref", "100k", "in-strings", "5k-deep", "deep-recursive-schema"],
)
def test_every_bad_answer_is_an_output_validation_error(
    schema: dict[str, Any], answer: str, why: str
) -> None:
    with pytest.raises(OutputValidationError) as raised:
        parse_output(answer, schema, prompt="p", version="1.0.0")

    assert why in str(raised.value)
    assert raised.value.prompt == "p" and raised.value.version == "1.0.0"
    assert len(str(raised.value)) < 400  # the answer is not echoed whole


OUTPUT_PROMPT = """---
version: 1.0.0
kind: hook
description: d
model: gpt-4o-mini
inputs:
  topic: {type: string}
output:
  type: object
  properties:
    x: {type: string, pattern: '^(a+)+$'}
---
{% message "user" %}{{ topic }}{% endmessage %}
"""


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


def test_complete_refuses_a_hostile_answer_through_the_call_path(
    prompt_repo: Any, registry: CollectorRegistry, client: openai.OpenAI, stub: Any
) -> None:
    prompt_repo.write("prompts/content/hook.j2", OUTPUT_PROMPT)
    prompt_repo.commit("hook")
    prompt_repo.tag_release("content/hook", "1.0.0")
    stub.content = '{"x": "' + "a" * 28 + '!"}'  # about 2**28 steps in Python's re: slow, not a hang
    with (
        Repository(prompt_repo.root, registry=registry) as repo,
        pytest.raises(OutputValidationError) as raised,
    ):
        complete(repo.get("content/hook"), {"topic": "t"}, client=client)

    assert raised.value.path == "$.x"


def test_validate_flags_output_patterns_like_input_patterns(prompt_repo: Any, tmp_path: Path) -> None:
    prompt_repo.write("prompts/content/hook.j2", OUTPUT_PROMPT.replace("'^(a+)+$'", "'^(a+)+$'"))
    prompt_repo.write(
        "prompts/content/title.j2",
        OUTPUT_PROMPT.replace("'^(a+)+$'", "'(a)\\1'").replace("hook", "title"),
    )
    prompt_repo.write(
        "prompts/content/tags.j2",
        OUTPUT_PROMPT.replace(
            "x: {type: string, pattern: '^(a+)+$'}", "x: {type: object, patternProperties: {'(?=a)': {}}}"
        ),
    )
    result = subprocess.run(
        [sys.executable, "-m", "promptgit", "validate", "--format", "json"],
        cwd=prompt_repo.root,
        capture_output=True,
        text=True,
        timeout=BOUND_SECONDS,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
    )
    import json

    found = {(f["path"], f["code"], f["line"]) for f in json.loads(result.stdout)["findings"]}
    assert ("prompts/content/hook.j2", "PG604", 11) in found
    assert ("prompts/content/title.j2", "PG603", 11) in found
    assert ("prompts/content/tags.j2", "PG603", 11) in found
