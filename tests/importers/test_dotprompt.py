"""Dotprompt's constructs round-trip: convert, validate clean, render with the source's sample, and compare
with what dotpromptz (Dotprompt's own Python runtime) renders from the same source and inputs."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import re
from pathlib import Path
from typing import Any

import pytest
from dotpromptz import Dotprompt
from dotpromptz.picoschema import picoschema_to_json_schema
from dotpromptz.typing import DataArgument

from promptgit.importers.result import Loss

from .helpers import errors, import_into, normalized, render, write_sources

# (name, .prompt files, inputs, what is lost): each case exercises one construct family
CASES: list[tuple[str, dict[str, str], dict[str, Any], list[str]]] = [
    (
        "variables-default-role",
        {
            "hello.prompt": """
            ---
            model: googleai/gemini-2.0-flash
            input:
              schema:
                name: string
                count: integer
            ---
            Hello {{name}}, you have {{count}} messages.
            """
        },
        {"name": "Ada", "count": 3},
        [],
    ),
    (
        "roles",
        {
            "roles.prompt": """
            ---
            input:
              schema:
                question: string
            ---
            {{role "system"}}
            You answer briefly.
            {{role "user"}}
            Example question
            {{role "model"}}
            Example answer
            {{role "user"}}
            {{question}}
            """
        },
        {"question": "Why is the sky blue?"},
        [],
    ),
    (
        "roles-in-a-loop",
        {
            "fewshot.prompt": """
            ---
            input:
              schema:
                examples(array):
                  input: string
                  output: string
                question: string
            ---
            {{role "system"}}
            Translate to French.
            {{#each examples}}
            {{role "user"}}
            {{input}}
            {{role "model"}}
            {{output}}
            {{/each}}
            {{role "user"}}
            {{question}}
            """
        },
        {
            "examples": [{"input": "cat", "output": "chat"}, {"input": "dog", "output": "chien"}],
            "question": "bird",
        },
        [],
    ),
    (
        "conditions",
        {
            "conditions.prompt": """
            ---
            input:
              schema:
                premium: boolean
                nickname?: string
                tier: string
            ---
            {{#if premium}}Premium member.{{else}}Free member.{{/if}}
            {{#unless nickname}}No nickname.{{/unless}}
            {{#if nickname}}
            Call them {{nickname}}.
            {{else if premium}}
            Call them sir.
            {{else}}
            Call them friend.
            {{/if}}
            {{#ifEquals tier "gold"}}Gold tier.{{/ifEquals}}
            """
        },
        {"premium": True, "tier": "gold"},
        [],
    ),
    (
        "loops",
        {
            "loops.prompt": """
            ---
            input:
              schema:
                title: string
                items(array):
                  name: string
                  tags(array): string
                people(array): string
            ---
            {{title}}
            {{#each items}}
            {{@index}}. {{name}} of {{../title}}{{#if @first}} (first){{/if}}{{#if @last}} (last){{/if}}
            {{#each tags}}  - {{this}}
            {{/each}}
            {{else}}
            Nothing.
            {{/each}}
            {{#each people as |person position|}}{{position}}={{person}} {{/each}}
            """
        },
        {
            "title": "Shop",
            "items": [{"name": "tea", "tags": ["hot", "leaf"]}, {"name": "cake", "tags": []}],
            "people": ["ann", "bob"],
        },
        [],
    ),
    (
        "object-loop",
        {
            "objects.prompt": """
            ---
            input:
              schema:
                prices(object):
                  (*): number
            ---
            {{#each prices}}{{@key}} costs {{this}}
            {{/each}}
            """
        },
        {"prices": {"tea": 2.5, "cake": 4}},
        ["input.schema.prices: additionalProperties"],
    ),
    (
        "partials",
        {
            "_signature.prompt": "Kind regards, {{sender}}.\n",
            "_greeting.prompt": "Dear {{name}},\n{{> signature}}\n",
            "letter.prompt": """
            ---
            input:
              schema:
                name: string
                sender: string
            ---
            {{role "system"}}
            You write letters.
            {{role "user"}}
            {{> greeting}}
            {{> signature sender="the team"}}
            """,
        },
        {"name": "Ada", "sender": "Grace"},
        [],
    ),
    (
        "comments-and-whitespace",
        {
            "tidy.prompt": """
            ---
            input:
              schema:
                word: string
            ---
            {{! a comment }}
            {{!-- a long comment with }} inside --}}
            [   {{~word~}}   ]
            Literal \\{{not a variable}} and {% not jinja %} and {# nor this #}.
            """
        },
        {"word": "tight"},
        [],
    ),
]


def run_async(awaitable: Any) -> Any:
    """asyncio.run in a thread of its own: another test in this process (Playwright's sync API, in the UI
    tests) may have left an event loop running in the main thread, where asyncio.run refuses to start."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, awaitable).result()


def _dotprompt_render(directory: Path, source: Path, inputs: dict[str, Any]) -> list[tuple[str, str]]:
    partials = {
        path.name.removeprefix("_").removesuffix(".prompt"): path.read_text("utf-8")
        for path in directory.glob("_*.prompt")
    }
    runtime = Dotprompt(partials=partials)
    rendered = run_async(runtime.render(source.read_text("utf-8"), DataArgument(input=inputs)))
    roles = {"model": "assistant"}
    return [
        (
            roles.get(str(message.role.value), str(message.role.value)),
            "".join(part.text for part in message.content),
        )
        for message in rendered.messages
    ]


@pytest.mark.parametrize(("case", "files", "inputs", "lost"), CASES, ids=[case[0] for case in CASES])
def test_constructs_convert_validate_and_render_as_dotprompt_does(
    tmp_path: Path, case: str, files: dict[str, str], inputs: dict[str, Any], lost: list[str]
) -> None:
    sources = write_sources(tmp_path / "src", files)
    root = tmp_path / "repo"

    conversions = import_into(root, "dotprompt", [sources])

    assert [(c.error, [loss.what for loss in c.losses]) for c in conversions] == [(None, lost)]
    assert errors(root) == []
    (prompt_file,) = [path for path in sources.glob("*.prompt") if not path.name.startswith("_")]
    name = conversions[0].name
    assert name is not None
    ours = render(root, name, inputs)
    assert isinstance(ours, list)
    expected = _dotprompt_render(sources, prompt_file, inputs)
    assert normalized([(m["role"], m["content"]) for m in ours]) == normalized(expected)


def test_the_sample_render_uses_input_defaults(tmp_path: Path) -> None:
    sources = write_sources(
        tmp_path / "src",
        {
            "greet.prompt": """
            ---
            input:
              schema:
                name: string
                mood?: string
              default:
                name: Ada
            ---
            Hi {{name}}{{#if mood}}, you seem {{mood}}{{/if}}.
            """
        },
    )
    root = tmp_path / "repo"
    import_into(root, "dotprompt", [sources])

    ours = render(root, "greet")  # the sample: input.default

    assert ours == [{"role": "user", "content": "Hi Ada."}]
    assert normalized([("user", "Hi Ada.")]) == normalized(
        _dotprompt_render(sources, sources / "greet.prompt", {})
    )


def test_json_renders_the_same_json_with_other_spacing(tmp_path: Path) -> None:
    sources = write_sources(
        tmp_path / "src",
        {
            "data.prompt": """
            ---
            input:
              schema:
                record(object):
                  tags(array): string
                  size: integer
            ---
            Data: {{json record}}
            """
        },
    )
    root = tmp_path / "repo"
    (conversion,) = import_into(root, "dotprompt", [sources])
    inputs = {"record": {"tags": ["a", "b"], "size": 2}}

    (ours,) = render(root, "data", inputs)  # type: ignore[misc]
    ((_, theirs),) = _dotprompt_render(sources, sources / "data.prompt", inputs)

    assert [loss.what for loss in conversion.losses] == [
        "input.schema.record: required",
        "input.schema.record: additionalProperties",
        "body: {{json ...}}",
    ]
    assert errors(root) == []
    assert ours["content"] == 'Data: {"size": 2, "tags": ["a", "b"]}'  # tojson sorts the keys
    assert json.loads(ours["content"][6:]) == json.loads(theirs.strip()[6:])


def test_picoschema_compiles_as_dotpromptz_compiles_it() -> None:
    from promptgit.importers.schemas import picoschema

    schema = {
        "name": "string, the user's name",
        "age?": "integer",
        "tags(array, labels)": "string",
        "status(enum)": ["OPEN", "CLOSED"],
        "address(object)": {"street": "string", "zip?": "string"},
        "meta": "any",
    }
    losses: list[Loss] = []

    ours = picoschema(schema, losses, "input.schema")

    assert losses == []
    assert ours == run_async(picoschema_to_json_schema(schema))


def test_what_has_no_equivalent_is_reported(tmp_path: Path) -> None:
    sources = write_sources(
        tmp_path / "src",
        {
            "chat.prompt": """
            ---
            model: googleai/gemini-2.0-flash
            config:
              temperature: 0.3
              topK: 40
            tools: [lookup]
            input:
              schema:
                photo: string
            ---
            {{role "system"}}
            Be helpful. {{section "intro"}}
            {{history}}
            {{role "user"}}
            Look: {{media url=photo}} {{@state.turn}}
            """,
            "chat.short.prompt": "Short {{x}}\n",
        },
    )
    root = tmp_path / "repo"

    conversions = {c.name: c for c in import_into(root, "dotprompt", [sources])}

    assert set(conversions) == {"chat", "chat.short"}  # a variant is a prompt of its own
    assert [loss.what for loss in conversions["chat"].losses] == [
        "config.topK",
        "tools",
        'body: {{section "intro"}}',
        "body: {{history}}",
        "body: {{media url=photo}}",
        "body: {{@state.turn}}",
    ]
    assert conversions["chat.short"].losses == []
    assert errors(root) == []
    assert "params:\n  temperature: 0.3\n" in (root / "prompts/chat.j2").read_text()


def test_a_missing_partial_is_a_loss(tmp_path: Path) -> None:
    sources = write_sources(tmp_path / "src", {"p.prompt": "Hi {{> nowhere}}\n"})

    (conversion,) = import_into(tmp_path / "repo", "dotprompt", [sources])

    assert [loss.what for loss in conversion.losses] == ["{{> nowhere}}"]
    assert re.search(r"no _nowhere\.prompt", conversion.losses[0].why)
