"""output: schemas: sent as response_format json_schema, the answer parsed and checked, failures named."""

from __future__ import annotations

import openai
import pytest
from prometheus_client import CollectorRegistry

from promptgit.errors import OutputValidationError
from promptgit.format.outputschema import strict_problems
from promptgit.llm import complete
from promptgit.loader import Repository

from .conftest import chat_prompt
from .stub_server import StubLLM

STRICT = """\
output:
  type: object
  additionalProperties: false
  required: [title, tags]
  properties:
    title: {type: string}
    tags: {type: array, items: {type: string}}
"""


@pytest.fixture
def structured(prompt_repo, registry: CollectorRegistry):  # type: ignore[no-untyped-def]
    prompt_repo.write("prompts/partials/voice.j2", "Voice.\n")
    prompt_repo.write("prompts/content/hook.j2", chat_prompt("1.0.0", STRICT))
    prompt_repo.commit("structured hook")
    prompt_repo.tag_release("content/hook", "1.0.0")
    with Repository(prompt_repo.root, registry=registry) as repo:
        yield repo.get("content/hook")


def test_the_schema_is_sent_strict_and_the_answer_parsed(
    structured, client: openai.OpenAI, stub: StubLLM
) -> None:  # type: ignore[no-untyped-def]
    stub.content = '{"title": "Bread", "tags": ["a"]}'

    answer = complete(structured, client=client, inputs={"topic": "x"})

    sent = stub.requests[0]["response_format"]
    assert sent["type"] == "json_schema"
    assert sent["json_schema"]["name"] == "content_hook" and sent["json_schema"]["strict"] is True
    assert sent["json_schema"]["schema"]["required"] == ["title", "tags"]
    assert answer.output == {"title": "Bread", "tags": ["a"]}


@pytest.mark.parametrize(
    ("content", "path", "why"),
    [
        ('{"title": "Bread", "tags": [1]}', "$.tags[0]", "1 is not of type 'string'"),
        ('{"title": "Bread"}', "$", "'tags' is a required property"),
        ("Sure! Here is", "$", "the answer is not JSON"),
    ],
)
def test_an_answer_that_fails_its_schema_is_a_named_counted_error(  # type: ignore[no-untyped-def]
    structured,
    client: openai.OpenAI,
    stub: StubLLM,
    registry: CollectorRegistry,
    content: str,
    path: str,
    why: str,
) -> None:
    stub.content = content

    with pytest.raises(OutputValidationError) as raised:
        complete(structured, client=client, registry=registry, inputs={"topic": "x"})

    error = raised.value
    assert str(error).startswith("content/hook@1.0.0: ") and why in str(error)
    assert (error.prompt, error.version, error.path, error.text) == ("content/hook", "1.0.0", path, content)
    labels = {
        "prompt": "content/hook",
        "version": "1.0.0",
        "model": "gpt-4o-mini",
        "outcome": "invalid_output",
    }
    assert registry.get_sample_value("promptgit_llm_calls_total", labels) == 1
    spent = {"prompt": "content/hook", "model": "gpt-4o-mini", "direction": "output"}
    assert registry.get_sample_value("promptgit_llm_tokens_total", spent)  # the tokens were paid for


def test_strict_mode_problems_are_listed_with_their_place() -> None:
    schema = {
        "type": "object",
        "properties": {
            "title": {"type": "string", "minLength": 3},
            "meta": {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
        },
        "required": ["title"],
    }

    assert strict_problems(schema) == [
        ((), "strict mode needs `additionalProperties: false` on every object"),
        ((), "strict mode needs every property in `required` (missing: meta)"),
        (("properties", "title", "minLength"), "strict mode does not support `minLength`"),
        (("properties", "meta"), "strict mode needs `additionalProperties: false` on every object"),
    ]
    assert strict_problems({"type": "array"}) == [((), "the root of a strict schema must be `type: object`")]


def test_a_schema_strict_mode_rejects_is_sent_without_strict(
    prompt_repo, client: openai.OpenAI, stub: StubLLM
) -> None:  # type: ignore[no-untyped-def]
    prompt_repo.write("prompts/partials/voice.j2", "Voice.\n")
    loose = "output:\n  type: object\n  properties:\n    title: {type: string}\n"
    prompt_repo.write("prompts/content/hook.j2", chat_prompt("1.0.0", loose))
    prompt_repo.commit("loose")
    with Repository(prompt_repo.root, registry=CollectorRegistry()) as repo:
        answer = complete(repo.get("content/hook@worktree"), client=client, inputs={"topic": "x"})

    assert stub.requests[0]["response_format"]["json_schema"]["strict"] is False
    assert answer.output == {}  # the stub answers with the required properties: none
