"""Property: whatever the input strings, a chat prompt's messages are exactly the template's blocks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promptgit.errors import RenderError
from promptgit.format.messages import MARKERS, REPLACEMENT, RESERVED, ROLES
from promptgit.format.prompt import Prompt, compile_document, parse_document
from promptgit.format.templating import make_environment

# pieces an attacker would combine: every marker and marker character, every role, Jinja and old sentinels
PIECES = [*MARKERS, RESERVED, "[", "|", "]", REPLACEMENT, *sorted(ROLES), "{{ x }}", "{% endmessage %}"]
PIECES += ["\x00pgmsg", "\x00pgend", ":", "\n", " "]
hostile = st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=12).map("".join)

FRONT = """---
version: 1.0.0
inputs:
  rules: {type: string}
  question: {type: string}
  examples: {type: array, items: {type: string}}
  role: {type: string}
---
"""
BODY = """{% message "system" %}Rules: {{ rules }}{% endmessage %}
{% for example in examples %}
{% message "assistant" %}{{ example }}{% endmessage %}
{% endfor %}
{% message role %}{{ question }}{% endmessage %}
"""


def compiled(body: str) -> Prompt:
    document = parse_document("p", "prompts/p.j2", FRONT + body)
    return compile_document(document, make_environment(lambda _: None))


PROMPT = compiled(BODY)


def escaped(value: str) -> str:
    """A value as it appears in content (docs/security.md): the reserved character becomes U+FFFD."""
    return value.replace(RESERVED, REPLACEMENT)


@settings(max_examples=300, deadline=None)
@given(
    rules=hostile,
    question=hostile,
    examples=st.lists(hostile, max_size=4),
    role=st.sampled_from(sorted(ROLES)),
)
def test_messages_are_exactly_the_blocks_that_ran(
    rules: str, question: str, examples: list[str], role: str
) -> None:
    messages = PROMPT.render(rules=rules, question=question, examples=examples, role=role)

    assert [m["role"] for m in messages] == ["system", *["assistant"] * len(examples), role]
    assert messages[0]["content"] == f"Rules: {escaped(rules)}".strip()
    assert [m["content"] for m in messages[1:-1]] == [escaped(e).strip() for e in examples]
    assert messages[-1]["content"] == escaped(question).strip()
    assert all(RESERVED not in m["content"] for m in messages)


@settings(max_examples=300, deadline=None)
@given(role=hostile | st.sampled_from(sorted(ROLES)))
def test_a_role_from_an_input_is_one_of_the_roles_or_an_error(role: str) -> None:
    try:
        messages = PROMPT.render(rules="", question="q", examples=[], role=role)
    except RenderError as exc:
        assert exc.reason == "unknown_role"
        assert escaped(role) not in ROLES
    else:
        assert [m["role"] for m in messages] == ["system", role]
        assert role in ROLES


@settings(max_examples=200, deadline=None)
@given(value=hostile)
def test_a_text_prompt_never_renders_a_marker(value: str) -> None:
    prompt = compiled(
        "Q: {{ question }} {% set c %}{{ rules }}{% endset %}{{ c }}{{ examples|join(role) }}\n"
    )

    output = prompt.render(rules=value, question=value, examples=[value, value], role=value)

    assert RESERVED not in output
    assert escaped(value) in output or not value.strip()


@pytest.mark.parametrize("marker", [*MARKERS, RESERVED])
def test_every_marker_alone_is_plain_content(marker: str) -> None:
    messages = PROMPT.render(rules=marker, question=marker * 3, examples=[marker], role="user")

    assert [m["role"] for m in messages] == ["system", "assistant", "user"]
