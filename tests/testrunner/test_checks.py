"""Assertion types end to end: a judge prompt chosen by selector, python checks, json-schema, not-."""

from __future__ import annotations

import json

from promptgit.testing import StandIn

from .conftest import run_json, run_test

JUDGE = """\
---
version: 1.2.0
kind: critic
model: gpt-4o-mini
inputs:
  output: {type: string}
  rubric: {type: string}
sample: {output: x, rubric: y}
output:
  type: object
  additionalProperties: false
  required: [pass, score, reason]
  properties:
    pass: {type: boolean}
    score: {type: number}
    reason: {type: string}
---
{% message "system" %}Judge the answer against the rubric: {{ rubric }}{% endmessage %}
{% message "user" %}{{ output }}{% endmessage %}
"""


def test_judge_is_a_released_prompt_recorded_like_any_call(library, provider_env: StandIn, capsys) -> None:  # type: ignore[no-untyped-def]
    library.write("prompts/review/judge.j2", JUDGE)
    library.write(
        "prompts/content/hook.tests.yaml",
        "cases:\n  - name: judged\n    assert:\n"
        "      - {type: judge, value: review/judge@^1, rubric: mentions bread, threshold: 0.7}\n",
    )
    library.commit("judge")
    library.tag_release("review/judge", "1.2.0")

    def respond(body):  # type: ignore[no-untyped-def]
        if body.get("response_format", {}).get("type") == "json_schema":
            system = body["messages"][0]["content"]
            assert "mentions bread" in system
            return json.dumps({"pass": True, "score": 0.8, "reason": "it mentions bread"})
        return "Bread, warm bread."

    provider_env.respond = respond
    code, report = run_json(capsys, "--record", "--cache", "none")
    assert code == 0, report
    (result,) = report["results"]
    assert result["judges"] == ["review/judge@1.2.0"]
    assert result["checks"][0]["reason"] == "score 0.8; it mentions bread [review/judge@1.2.0]"
    recorded = json.loads((library.root / "prompts/content/hook.cassette.json").read_text("utf-8"))
    assert sorted(item["case"] for item in recorded["recordings"]) == [
        "judged",
        "judged / judge review/judge@^1",
    ]

    provider_env.stop()
    assert run_json(capsys)[0] == 0  # the judge replays too


def test_python_checks_and_negations(library, provider_env: StandIn, capsys) -> None:  # type: ignore[no-untyped-def]
    library.write(
        "checks/tone.py",
        "def is_short(output, context):\n"
        "    return {'pass': len(output) < 100, 'score': 1.0, 'reason': context['case']}\n"
        "def score(output, context):\n    return 0.25\n",
    )
    library.write(
        "prompts/content/hook.tests.yaml",
        """\
        cases:
          - name: many
            assert:
              - {type: python, value: "checks.tone:is_short"}
              - {type: python, value: "checks.tone:score", threshold: 0.5}
              - {type: not-contains, value: "answer"}
              - {type: is-json}
              - {type: json-schema, value: {type: object}}
              - {type: icontains-all, value: [TOPIC, bread]}
              - {type: not-icontains-any, value: [rye, spelt]}
              - {type: equals, value: nope}
        """,
    )
    code, report = run_json(capsys, "--record", "--cache", "none")

    (result,) = report["results"]
    outcome = [(item["check"], item["passed"]) for item in result["checks"]]
    assert outcome == [
        ("python 'checks.tone:is_short'", True),
        ("python 'checks.tone:score'", False),
        ("not-contains 'answer'", False),
        ("is-json", False),
        ("json-schema {'type': 'object'}", False),
        ("icontains-all ['TOPIC', 'bread']", True),
        ("not-icontains-any ['rye', 'spelt']", True),
        ("equals 'nope'", False),
    ]
    assert code == 1


def test_case_threshold_weighs_assertions(library, provider_env: StandIn, capsys) -> None:  # type: ignore[no-untyped-def]
    library.write(
        "prompts/content/hook.tests.yaml",
        """\
        cases:
          - name: weighted
            threshold: 0.7
            assert:
              - {type: icontains, value: bread, weight: 3}
              - {type: contains, value: nowhere, weight: 1}
        """,
    )
    code, report = run_json(capsys, "--record", "--cache", "none")

    assert (code, report["results"][0]["status"]) == (0, "passed")


def test_an_invalid_tests_file_is_a_usage_error_naming_file_and_line(library, capsys) -> None:  # type: ignore[no-untyped-def]
    library.write("prompts/content/hook.tests.yaml", "cases:\n  - name: x\n    assert: [{type: sentiment}]\n")

    code, out, err = run_test(capsys)

    assert (code, out) == (2, "")
    assert err == (
        "promptgit: error: prompts/content/hook.tests.yaml:3:1: PG220 cases.0.assert.0.type: "
        "unknown type 'sentiment' (docs/testing.md lists the types)\n"
    )


def test_validate_checks_tests_files_and_a_tests_file_needs_no_bump(library, capsys) -> None:  # type: ignore[no-untyped-def]
    from promptgit.cli import main

    library.tag_release("content/hook", "1.0.0")
    library.write(
        "prompts/content/hook.tests.yaml", "cases:\n  - name: x\n    render: [{type: tokens, value: -1}]\n"
    )
    library.commit("tests changed, prompt not")

    capsys.readouterr()
    code = main(["validate"])
    out = capsys.readouterr().out

    assert code == 1
    assert out.splitlines()[0] == (
        "prompts/content/hook.tests.yaml:3:1: PG220 cases.0.render.0: tokens needs a whole number as value"
    )
    assert "PG5" not in out  # never a reason for a version bump


def test_recording_without_a_key_is_a_usage_error(library, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)

    code, _, err = run_test(capsys, "--record", "--cache", "none")

    assert code == 2
    assert err == "promptgit: error: recording answers needs a key in $OPENAI_API_KEY (replay needs none)\n"


def test_a_provider_named_in_promptgit_yaml(library, standin: StandIn, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv("STAND_IN_KEY", "k")
    library.write(
        "promptgit.yaml",
        f"test:\n  provider: {{base_url: '{standin.base_url}', api_key_env: STAND_IN_KEY}}\n",
    )

    code, _ = run_json(capsys, "--record", "--cache", "none")

    assert code == 0
    assert standin.calls == 2
