"""Fixtures of the loader tests: a fresh metrics registry, a hand-driven clock, a small released library."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prometheus_client import CollectorRegistry

from promptgit.loader import Repository


class FakeClock:
    """Monotonic seconds that only move when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


CHAT_BODY = """\
{% message "system" %}{% include "partials/voice.j2" %}{% endmessage %}
{% message "user" %}Topic: {{ topic }} ({{ tone }}){% endmessage %}
"""

CHAT_INPUTS = (
    "inputs:\n  topic: {type: string}\n  tone: {type: string, enum: [playful, serious], default: playful}"
)


@pytest.fixture
def library(prompt_repo):  # type: ignore[no-untyped-def]
    """content/hook released as 1.0.0, 1.1.0, 2.0.0-rc.1 and 2.0.0 (each with its own partial text);
    labels: production -> 1.0.0, staging -> 1.1.0. HEAD has the 2.0.0 files."""
    for version, voice in [
        ("1.0.0", "Voice one."),
        ("1.1.0", "Voice 1.1."),
        ("2.0.0-rc.1", "Voice rc."),
        ("2.0.0", "Voice two."),
    ]:
        prompt_repo.write("prompts/partials/voice.j2", voice + "\n")
        prompt_repo.write(
            "prompts/content/hook.j2",
            f"---\nversion: {version}\nkind: hook\n{CHAT_INPUTS}\nparams: {{temperature: 0.5}}\n---\n"
            + CHAT_BODY,
        )
        if version == "1.0.0":
            prompt_repo.write_prompt("plain/note", "1.0.0", body="Note about {{ topic }}.\n")
        prompt_repo.commit(f"hook {version}")
        prompt_repo.tag_release("content/hook", version)
        if version == "1.0.0":
            prompt_repo.tag_release("plain/note", "1.0.0")
    prompt_repo.write(
        "prompts/labels.yaml", "production:\n  content/hook: 1.0.0\nstaging:\n  content/hook: 1.1.0\n"
    )
    prompt_repo.commit("labels")
    return prompt_repo


@pytest.fixture
def make_repository(registry: CollectorRegistry, clock: FakeClock) -> Iterator:  # type: ignore[type-arg]
    opened: list[Repository] = []

    def make(path, **options):  # type: ignore[no-untyped-def]
        options.setdefault("registry", registry)
        options.setdefault("clock", clock)
        repository = Repository(path, **options)
        opened.append(repository)
        return repository

    yield make
    for repository in opened:
        repository.close()
