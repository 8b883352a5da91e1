"""Fixtures of the server tests: a released library with Langfuse-shaped prompts, `serve` running on it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from promptgit.loader import Repository
from promptgit.server.api_keys import ApiKeys
from promptgit.server.app import ServeApp
from promptgit.server.http_server import RunningServer, start
from tests.conftest import PromptRepo

GREETING = """\
---
version: {version}
kind: greeting
description: A text prompt Langfuse's SDKs can read
serve: {{langfuse: true}}
model: gpt-4o-mini
params: {{temperature: 0.2}}
tags: [onboarding]
inputs:
  user: {{type: string}}
  product: {{type: string}}
sample: {{user: Ada, product: promptgit}}
---
Hello {{{{ user }}}}, welcome to {{{{ product }}}}!{suffix}
"""

SUPPORT = """\
---
version: 1.0.0
kind: support
description: A chat prompt in a folder, with a partial
serve: {langfuse: true}
inputs:
  question: {type: string}
sample: {question: How do I roll back?}
---
{% message "system" %}You answer support questions. {% include "partials/tone.j2" %}{% endmessage %}
{% message "user" %}{{ question }}{% endmessage %}
"""

LOOPED = """\
---
version: 1.0.0
kind: list
description: Loops are fine natively, not in Langfuse's shape (so it does not opt in)
inputs:
  items: {type: array}
sample: {items: [a, b]}
---
Items:{% for item in items %} {{ item }}{% endfor %}
"""


def langfuse_library(repo: PromptRepo) -> PromptRepo:
    """greeting 1.0.0 and 1.1.0 (text), support/chat 1.0.0 (chat, a partial), lists/looped 1.0.0 (not
    offered to Langfuse); production: greeting 1.0.0, support/chat 1.0.0; staging: greeting 1.1.0."""
    repo.write("prompts/partials/tone.j2", "Be brief and kind.")
    repo.write("prompts/greeting.j2", GREETING.format(version="1.0.0", suffix=""))
    repo.write("prompts/support/chat.j2", SUPPORT)
    repo.write("prompts/lists/looped.j2", LOOPED)
    repo.commit("first releases")
    for name in ("greeting", "support/chat", "lists/looped"):
        repo.tag_release(name, "1.0.0")
    repo.write("prompts/greeting.j2", GREETING.format(version="1.1.0", suffix=" Glad you are here."))
    repo.commit("greeting 1.1.0")
    repo.tag_release("greeting", "1.1.0")
    repo.write(
        "prompts/labels.yaml",
        "production:\n  greeting: 1.0.0\n  support/chat: 1.0.0\n  lists/looped: 1.0.0\n"
        "staging:\n  greeting: 1.1.0\n",
    )
    repo.commit("labels")
    return repo


@pytest.fixture
def library(prompt_repo: PromptRepo) -> PromptRepo:
    return langfuse_library(prompt_repo)


class AccessLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def serve(library: PromptRepo) -> Iterator[Callable[..., RunningServer]]:
    """serve(keys=(), repository=None, **options) -> a running server on a free loopback port."""
    running: list[tuple[RunningServer, Repository]] = []

    def make(
        keys: tuple[str, ...] = (), repository: Repository | None = None, **options: Any
    ) -> RunningServer:
        registry = CollectorRegistry()
        repository = repository or Repository(library.root, registry=registry, **options)
        logger = logging.getLogger(f"promptgit.access.test{len(running)}")
        logger.setLevel(logging.INFO)
        logger.propagate = False
        handler = AccessLines()
        logger.addHandler(handler)
        app = ServeApp(repository, ApiKeys(keys, "127.0.0.1"), registry=registry, access_logger=logger)
        server = start(app)
        server.access = handler  # type: ignore[attr-defined]
        running.append((server, repository))
        return server

    yield make
    for server, repository in running:
        server.stop()
        repository.close()
