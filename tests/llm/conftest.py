"""Fixtures of the call path tests: the stub server, a real openai client on it, a small released library."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prometheus_client import CollectorRegistry

from promptgit.loader import Repository

CHAT = """\
---
version: {version}
kind: hook
model: gpt-4o-mini
inputs:
  topic: {{type: string}}
sample: {{topic: bread}}
params: {{temperature: 0, max_tokens: 50}}
{extra}---
{{% message "system" %}}{{% include "partials/voice.j2" %}}{{% endmessage %}}
{{% message "user" %}}Topic: {{{{ topic }}}}{{% endmessage %}}
"""


def chat_prompt(version: str, extra: str = "") -> str:
    return CHAT.format(version=version, extra=extra)


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def released(prompt_repo):  # type: ignore[no-untyped-def]
    """content/hook 1.0.0 and 1.1.0 released (each with its own partial), production -> 1.0.0; a text
    prompt plain/echo 0.1.0 without a model."""
    prompt_repo.write("prompts/partials/voice.j2", "Voice one.\n")
    prompt_repo.write("prompts/content/hook.j2", chat_prompt("1.0.0"))
    prompt_repo.write_prompt("plain/echo", "0.1.0", "Say {{ topic }}\n")
    prompt_repo.write("prompts/labels.yaml", "production:\n  content/hook: 1.0.0\n")
    prompt_repo.commit("hook 1.0.0")
    prompt_repo.tag_release("content/hook", "1.0.0")
    prompt_repo.tag_release("plain/echo", "0.1.0")
    prompt_repo.write("prompts/partials/voice.j2", "Voice two.\n")
    prompt_repo.write("prompts/content/hook.j2", chat_prompt("1.1.0"))
    prompt_repo.commit("hook 1.1.0")
    prompt_repo.tag_release("content/hook", "1.1.0")
    return prompt_repo


@pytest.fixture
def repo(released, registry: CollectorRegistry) -> Iterator[Repository]:  # type: ignore[no-untyped-def]
    with Repository(released.root, registry=registry, cache_ttl=0) as opened:
        yield opened
