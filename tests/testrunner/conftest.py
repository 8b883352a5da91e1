"""Fixtures of the test runner's tests: a prompt library in a real git repository, the shipped stand-in,
the openai SDK's environment pointed at it, and a guard that fails any network connection."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from promptgit.cli import main
from promptgit.testing import StandIn

HOOK = """\
---
version: 1.0.0
kind: hook
model: gpt-4o-mini
inputs:
  topic: {type: string}
sample: {topic: sourdough}
params: {temperature: 0}
---
{% message "system" %}You write opening lines for short videos.
Always mention bread.{% endmessage %}
{% message "user" %}Topic: {{ topic }}
Always mention bread.{% endmessage %}
"""

TESTS = """\
defaults:
  assert: [{type: not-icontains, value: as an AI}]
cases:
  - name: short topic
    inputs: {topic: sourdough}
    render:
      - {type: contains, value: sourdough}
      - {type: messages, value: 2}
    assert:
      - {type: icontains, value: bread}
  - name: another topic
    inputs: {topic: rye}
    assert:
      - {type: regex, value: "^answer \\\\d+: Topic: rye"}
  - name: render only
    render:
      - {type: roles, value: [system, user]}
      - {type: tokens, value: 200}
"""


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with StandIn() as server:
        yield server


@pytest.fixture
def provider_env(standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    """The openai SDK's standard environment, pointed at the stand-in, with a key that must never be
    written anywhere."""
    monkeypatch.setenv("OPENAI_BASE_URL", standin.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-SECRET-do-not-write")
    return standin


class NetworkTouched(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """A guard, not a mock: any connect (TCP or a Unix socket) fails the test."""

    def refuse(self: socket.socket, address: Any) -> None:
        raise NetworkTouched(f"replay tried to connect to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a[0] if a else None))  # type: ignore[arg-type,misc]


@pytest.fixture
def library(prompt_repo, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """content/hook with a tests file, committed; the current directory is the repository."""
    prompt_repo.write("prompts/content/hook.j2", HOOK)
    prompt_repo.write("prompts/content/hook.tests.yaml", TESTS)
    prompt_repo.commit("hook with tests")
    monkeypatch.chdir(prompt_repo.root)
    return prompt_repo


def run_test(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["test", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run_test(capsys, *args, "--format", "json")
    assert err == "", err
    return code, json.loads(out)


def cassette(root: Path, name: str = "content/hook") -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((root / "prompts" / f"{name}.cassette.json").read_text("utf-8"))
    return loaded
