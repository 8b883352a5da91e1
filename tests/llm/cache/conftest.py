"""Fixtures of the response cache tests: a fresh registry, a hand-driven clock, values shaped like
llm-call's (a provider response plus usage and cost)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from tests.llm.cache.redis_server import RedisServer
from tests.loader.conftest import FakeClock as HandDrivenClock


class FakeClock(HandDrivenClock):
    """The loader tests' hand-driven clock, starting at a wall-clock time (entries store expiry times)."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def response_value(text: str = "a hook", input_tokens: int = 12, output_tokens: int = 30) -> dict[str, Any]:
    return {
        "response": {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": "gpt-4o-mini",
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": input_tokens, "completion_tokens": output_tokens},
        },
        "usage": {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cached_tokens": 0,
            "estimated": False,
        },
        "cost_usd": 0.000123,
        "model": "gpt-4o-mini",
    }


class Upstream:
    """A compute callable that counts its calls and returns a fresh value each time."""

    def __init__(self, value: dict[str, Any] | None = None) -> None:
        self.calls = 0
        self.value = value or response_value()

    def __call__(self) -> dict[str, Any]:
        self.calls += 1
        return dict(self.value)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of its own for one test; skipped only where Debian's redis-server is not installed."""
    try:
        server = RedisServer(tmp_path)
    except FileNotFoundError:
        pytest.skip("redis-server is not installed (Debian package redis-server; .ci/run installs it)")
    server.start()
    try:
        yield server
    finally:
        server.stop()
