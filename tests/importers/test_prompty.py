"""Prompty files of both layouts: the front matter mapping, role lines, loops of roles, threads, Mustache
bodies, and what is reported as lost; renders compared with Prompty's own runtime where it loads the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from .helpers import errors, import_into, normalized, render, write_sources

V2 = """
---
name: support-answer
description: Answers a support question
version: 2.1.0
metadata:
  authors: [ann, bob]
  tags: [support, faq]
model:
  id: gpt-4o-mini
  provider: openai
  apiType: chat
  options:
    temperature: 0.2
    maxOutputTokens: 400
    topP: 0.9
    stopSequences: ["###"]
inputs:
  - name: customer
    kind: string
    description: The customer's first name
    example: Ada
  - name: tier
    kind: string
    enumValues: [free, pro]
    default: free
  - name: examples
    kind: array
    items: {kind: object}
    required: false
    example:
      - {question: "Where is my order?", answer: On its way.}
  - name: question
    kind: string
    example: Can I get a refund?
outputs:
  - name: answer
    kind: string
    description: The reply
  - name: confidence
    kind: float
template:
  format:
    kind: jinja2
  parser:
    kind: prompty
---
system:
You help {{customer}} ({{tier}} plan).

{% for example in examples %}
user:
{{example.question}}
assistant:
{{example.answer}}
{% endfor %}

user:
{{question}}
"""


def _prompty_render(path: Path, inputs: dict[str, Any]) -> list[tuple[str, list[str]]]:
    prompty = pytest.importorskip("prompty", reason="prompty (the `test` extra) needs Python 3.11+")
    messages = prompty.prepare(prompty.load(path), inputs)
    return normalized([(m.role, "".join(getattr(p, "value", "") for p in m.parts)) for m in messages])


def _ours(root: Path, name: str, inputs: dict[str, Any] | None = None) -> list[tuple[str, list[str]]]:
    rendered = render(root, name, inputs)
    assert isinstance(rendered, list)
    return normalized([(m["role"], m["content"]) for m in rendered])


def test_a_v2_file_converts_whole_and_renders_as_prompty_does(tmp_path: Path) -> None:
    sources = write_sources(tmp_path / "src", {"support/answer.prompty": V2})
    root = tmp_path / "repo"

    (conversion,) = import_into(root, "prompty", [sources])

    assert conversion.name == "support/answer"  # the file's path, not the `name:` field
    assert [loss.what for loss in conversion.losses] == ["model.provider: openai"]
    assert errors(root) == []
    metadata = yaml.safe_load((root / "prompts/support/answer.j2").read_text().split("---\n")[1])
    assert metadata == {
        "version": "2.1.0",
        "kind": "prompty",
        "description": "Answers a support question",
        "model": "gpt-4o-mini",
        "inputs": {
            "customer": {"type": "string", "description": "The customer's first name"},
            "tier": {"type": "string", "enum": ["free", "pro"], "default": "free"},
            "examples": {"type": "array", "items": {"type": "object"}, "required": False},
            "question": {"type": "string"},
        },
        "sample": {
            "customer": "Ada",
            "examples": [{"question": "Where is my order?", "answer": "On its way."}],
            "question": "Can I get a refund?",
        },
        "params": {"temperature": 0.2, "max_tokens": 400, "top_p": 0.9, "stop": ["###"]},
        "output": {
            "type": "object",
            "properties": {
                "answer": {"type": "string", "description": "The reply"},
                "confidence": {"type": "number"},
            },
            "required": ["answer", "confidence"],
            "additionalProperties": False,
        },
        "tags": ["support", "faq"],
        "owner": "ann, bob",
    }
    sample = metadata["sample"]
    assert _ours(root, "support/answer") == _prompty_render(sources / "support/answer.prompty", sample)
    assert [role for role, _ in _ours(root, "support/answer")] == ["system", "user", "assistant", "user"]


def test_a_v1_file_maps_configuration_parameters_and_sample(tmp_path: Path) -> None:
    sources = write_sources(
        tmp_path / "src",
        {
            "basic.prompty": """
            ---
            name: Basic
            description: A basic prompt
            version: "1.0"
            authors: [seth]
            model:
              api: chat
              configuration:
                type: azure_openai
                azure_endpoint: ${env:AZURE_OPENAI_ENDPOINT}
                azure_deployment: gpt-35-turbo
              parameters:
                max_tokens: 128
                temperature: 0.5
            sample:
              firstName: Jane
              chat_history:
                - {role: user, content: hi}
                - {role: assistant, content: hello}
            inputs:
              firstName:
                type: string
            ---
            system:
            You help {{firstName}}.

            {% for item in chat_history %}
            {{item.role}}:
            {{item.content}}
            {% endfor %}

            user:
            {{question}}
            """
        },
    )
    root = tmp_path / "repo"

    (conversion,) = import_into(root, "prompty", [sources])

    assert [loss.what for loss in conversion.losses] == [
        "model.configuration.azure_endpoint: ${env:AZURE_OPENAI_ENDPOINT}",
        "model.configuration.azure_endpoint",
        "model.configuration.type",
    ]
    assert "version 1.0 -> 1.0.0" in conversion.converted
    assert (
        "input chat_history (array): used by the template, not declared in the source" in conversion.converted
    )
    assert errors(root) == []
    text = (root / "prompts/basic.j2").read_text()
    assert "model: gpt-35-turbo\n" in text and "params:\n  max_tokens: 128\n  temperature: 0.5\n" in text
    assert _ours(root, "basic") == [
        ("system", ["You help Jane."]),
        ("user", ["hi"]),
        ("assistant", ["hello"]),
        ("user", ["question"]),  # a placeholder sample value: the source has no example of `question`
    ]


def test_a_thread_input_becomes_a_loop_of_messages(tmp_path: Path) -> None:
    sources = write_sources(
        tmp_path / "src",
        {
            "chat.prompty": """
            ---
            name: chat
            model: gpt-4o
            inputs:
              - {name: question, kind: string, default: Hello}
              - {name: conversation, kind: thread}
            ---
            system:
            You are helpful.

            {{conversation}}

            user:
            {{question}}
            """
        },
    )
    root = tmp_path / "repo"

    (conversion,) = import_into(root, "prompty", [sources])

    assert conversion.losses == []
    assert errors(root) == []
    history = [{"role": "user", "content": "earlier"}, {"role": "assistant", "content": "reply"}]
    assert _ours(root, "chat", {"conversation": history}) == [
        ("system", ["You are helpful."]),
        ("user", ["earlier"]),
        ("assistant", ["reply"]),
        ("user", ["Hello"]),
    ]


def test_a_mustache_body_is_translated(tmp_path: Path) -> None:
    sources = write_sources(
        tmp_path / "src",
        {
            "m.prompty": """
            ---
            name: m
            model: gpt-4o
            template: mustache
            sample:
              name: Ann
              items: [{label: a}, {label: b}]
              vip: false
            ---
            system:
            Hi {{name}}.{{#items}} [{{label}}]{{/items}}{{^vip}} (regular){{/vip}}
            """
        },
    )
    root = tmp_path / "repo"

    (conversion,) = import_into(root, "prompty", [sources])

    assert conversion.losses == []
    assert errors(root) == []
    assert _ours(root, "m") == [("system", ["Hi Ann. [a] [b] (regular)"])]


def test_a_body_without_role_lines_is_one_system_message(tmp_path: Path) -> None:
    sources = write_sources(tmp_path / "src", {"plain.prompty": "---\nname: p\n---\nJust {{x}}.\n"})
    root = tmp_path / "repo"

    (conversion,) = import_into(root, "prompty", [sources])

    assert conversion.losses == []
    assert _ours(root, "plain", {"x": "text"}) == _prompty_render(sources / "plain.prompty", {"x": "text"})


def test_what_promptgit_has_no_place_for_is_reported(tmp_path: Path) -> None:
    sources = write_sources(
        tmp_path / "src",
        {
            "tools.prompty": """
            ---
            name: tools
            model:
              id: gpt-4o
              connection: {kind: key, apiKey: "${env:KEY}"}
              options: {topK: 5}
            inputs:
              - {name: picture, kind: image}
            tools:
              - {name: lookup, kind: function}
            metadata:
              owner_team: search
            ---
            system:
            Look at this.
            user[name="ann"]:
            {{picture}}
            """
        },
    )

    (conversion,) = import_into(tmp_path / "repo", "prompty", [sources])

    assert [loss.what for loss in conversion.losses] == [
        "model.connection.apiKey: ${env:KEY}",
        "model.connection",
        "model.options.topK",
        "inputs.picture (image)",
        "metadata.owner_team",
        "tools",
        'user[name="ann"]:',
    ]
    assert all(loss.why for loss in conversion.losses)


def test_a_file_prompty_cannot_parse_is_an_error_not_a_crash(tmp_path: Path) -> None:
    sources = write_sources(tmp_path / "src", {"bad.prompty": "---\nname: [unclosed\n---\nHi\n"})

    (conversion,) = import_into(tmp_path / "repo", "prompty", [sources])

    assert conversion.error is not None and conversion.error.startswith("line 3: YAML front matter:")
    assert conversion.files == []
