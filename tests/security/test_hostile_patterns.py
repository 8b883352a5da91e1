"""Issue 11 item 2: a pattern that backtracks catastrophically must not hang any check of an input."""

from __future__ import annotations

import pytest

from promptgit.format.fastcheck import fast_check
from promptgit.format.inputs import input_errors, inputs_schema
from promptgit.format.patterns import backtracking_risk, problem

EVIL = "^(a+)+$"
ALMOST = "a" * 40 + "!"  # Python's re takes (2**40 steps) longer than any test run to reject this

FRONT = """---
version: 1.0.0
kind: greeting
description: Greet a handle
inputs:
  handle: {{type: string, pattern: '{pattern}'}}
sample: {{handle: "{sample}"}}
---
Say hello to @{{{{ handle }}}}.
"""


@pytest.mark.parametrize(
    "declared",
    [
        {"handle": {"type": "string", "pattern": EVIL}},  # the flat fast path
        {"handle": {"type": "array", "items": {"type": "string", "pattern": EVIL}}},  # jsonschema
        {"handle": {"anyOf": [{"type": "string", "pattern": EVIL}, {"type": "integer"}]}},
    ],
)
def test_input_checks_reject_an_almost_match_without_backtracking(declared: dict) -> None:
    value = [ALMOST] if declared["handle"].get("type") == "array" else ALMOST

    problems = input_errors(declared, {"handle": value})

    assert problems  # the wording is jsonschema's: "does not match", or "not valid under any" for anyOf
    assert input_errors(declared, {"handle": ["aaaa"] if isinstance(value, list) else "aaaa"}) == []


def test_pattern_properties_and_additional_properties_use_the_safe_engine() -> None:
    declared = {
        "tags": {
            "type": "object",
            "patternProperties": {EVIL: {"type": "integer"}},
            "additionalProperties": False,
        }
    }

    problems = input_errors(declared, {"tags": {ALMOST: 1, "aa": "x"}})

    assert [message for _, message in problems] == [
        f"'{ALMOST}' does not match any of the regexes: '{EVIL}'",
        "['aa'] 'x' is not of type 'integer'",
    ]


def test_a_pattern_the_safe_engine_cannot_run_fails_closed() -> None:
    declared = {"handle": {"type": "string", "pattern": "^(?!admin)[a-z]+$"}}

    problems = input_errors(declared, {"handle": "ada"})

    assert problems == [("handle", f"{problem('^(?!admin)[a-z]+$')}")]


def test_fastjsonschema_never_sees_a_users_pattern() -> None:
    # fastjsonschema matches with Python's re; a schema with a pattern nested in it gets no such fast path
    schema = inputs_schema({"handle": {"type": "array", "items": {"type": "string", "pattern": EVIL}}})

    assert fast_check(schema) is None


@pytest.mark.parametrize("pattern", [EVIL, "(a*b?)*c", r"^(\w+\s?)*$", "(x+x+)+y", "^([a-z]+)*$"])
def test_known_catastrophic_patterns_are_flagged(pattern: str) -> None:
    assert backtracking_risk(pattern) is not None


@pytest.mark.parametrize("pattern", ["^[a-z]+$", r"^\d{3}-\d{4}$", "^(ab)+$", "^[a-z]+(-[a-z]+)*$"])
def test_ordinary_patterns_are_not_flagged(pattern: str) -> None:
    assert backtracking_risk(pattern) is None
    assert problem(pattern) is None


def test_validate_render_tokens_and_the_loader_end_on_a_catastrophic_pattern(
    prompt_repo, cli, loader_script
) -> None:
    prompt_repo.write("prompts/greet.j2", FRONT.format(pattern=EVIL, sample=ALMOST))
    prompt_repo.commit()
    prompt_repo.tag_release("greet", "1.0.0")

    validated = cli(prompt_repo.root, "validate")
    rendered = cli(prompt_repo.root, "render", "greet@worktree", "--sample")
    tokens = cli(prompt_repo.root, "tokens")
    loaded = loader_script(
        prompt_repo.root,
        "from promptgit.errors import InputValidationError\n"
        "try:\n"
        f"    repo.get('greet@1.0.0').render(handle={ALMOST!r})\n"
        "except InputValidationError as exc:\n"
        "    print('refused:', exc)\n",
    )

    assert validated.returncode == 1
    assert "prompts/greet.j2:6:26: PG604 warning: pattern '^(a+)+$' has a repetition" in validated.stdout
    assert "PG305 sample.handle:" in validated.stdout
    assert rendered.returncode == 2 and "does not match" in rendered.stderr
    assert tokens.returncode in (1, 2) and "does not match" in tokens.stderr
    assert loaded.stdout.startswith("refused: greet@1.0.0: invalid inputs: handle:")


def test_validate_flags_a_pattern_the_safe_engine_rejects(prompt_repo, cli) -> None:
    prompt_repo.write("prompts/greet.j2", FRONT.format(pattern=r"^(a)\1$", sample="aa"))
    prompt_repo.commit()

    validated = cli(prompt_repo.root, "validate")

    assert validated.returncode == 1
    assert "PG603 pattern '^(a)\\\\1$' cannot be checked in linear time" in validated.stdout
