"""Answers from a peer, checked: odd usage, no usable choice, content parts, truncated and empty answers,
and a cache hit that spends nothing (the real openai SDK against the stub server)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import openai
import pytest
from prometheus_client import CollectorRegistry

from promptgit.errors import LLMCallError
from promptgit.llm import LLM
from promptgit.llm.cache import ResponseCache
from promptgit.llm.completion import Usage
from promptgit.loader import Repository

from .stub_server import StubLLM


@pytest.fixture
def cache(registry: CollectorRegistry) -> Iterator[ResponseCache]:
    made = ResponseCache("memory://", registry=registry)
    yield made
    made.close()


@pytest.fixture
def llm(repo: Repository, client: openai.OpenAI, cache: ResponseCache, registry: CollectorRegistry) -> LLM:
    return LLM(repo, client=client, cache=cache, registry=registry)


def _calls(registry: CollectorRegistry, outcome: str) -> float:
    labels = {"prompt": "content/hook", "version": "1.1.0", "model": "gpt-4o-mini", "outcome": outcome}
    return registry.get_sample_value("promptgit_llm_calls_total", labels) or 0.0


def _usage(**counts: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def rewrite(response: dict[str, Any]) -> dict[str, Any]:
        response["usage"].update(counts)
        return response

    return rewrite


@pytest.mark.parametrize(
    ("counts", "field"),
    [
        ({"prompt_tokens": -5}, "usage.prompt_tokens"),
        ({"completion_tokens": "many"}, "usage.completion_tokens"),
        ({"completion_tokens": 1e300}, "usage.completion_tokens"),
        ({"prompt_tokens": 2.5}, "usage.prompt_tokens"),
        ({"prompt_tokens_details": {"cached_tokens": -1}}, "usage.prompt_tokens_details.cached_tokens"),
    ],
)
def test_impossible_usage_is_a_call_error_naming_the_field(
    llm: LLM, stub: StubLLM, registry: CollectorRegistry, counts: dict[str, Any], field: str
) -> None:
    stub.rewrite = _usage(**counts)

    with pytest.raises(LLMCallError, match=rf"the answer's {field} is ") as raised:
        llm.complete("content/hook@1.1.0", {"topic": "x"})

    assert raised.value.field == field
    assert _calls(registry, "error") == 1 and _calls(registry, "ok") == 0
    cost = registry.get_sample_value(
        "promptgit_llm_cost_usd_total", {"prompt": "content/hook", "model": "gpt-4o-mini"}
    )
    assert not cost  # nothing absurd reached a counter
    stub.rewrite = None
    assert llm.complete("content/hook@1.1.0", {"topic": "x"}).cached is False  # and nothing was cached


@pytest.mark.parametrize(
    ("choices", "field"),
    [
        ([], "choices"),
        ({"0": "x"}, "choices"),
        (["text"], r"choices\[0\]"),
        ([{"index": 0}], r"choices\[0\].message"),
    ],
    ids=["empty", "not-a-list", "not-an-object", "no-message"],
)
def test_an_answer_without_a_usable_choice_is_never_cached(
    llm: LLM, stub: StubLLM, choices: object, field: str
) -> None:
    def rewrite(response: dict[str, Any]) -> dict[str, Any]:
        return {**response, "choices": choices}

    stub.rewrite = rewrite
    for _ in range(2):
        with pytest.raises(LLMCallError, match=rf"the answer's {field} "):
            llm.complete("content/hook@1.1.0", {"topic": "x"})

    assert stub.calls == 2


def test_content_given_as_parts_is_joined(llm: LLM, stub: StubLLM) -> None:
    def rewrite(response: dict[str, Any]) -> dict[str, Any]:
        parts = [
            {"type": "text", "text": "Hello, "},
            {"type": "image_url", "image_url": {}},
            {"type": "text", "text": "world"},
        ]
        response["choices"][0]["message"]["content"] = parts
        return response

    stub.rewrite = rewrite

    first = llm.complete("content/hook@1.1.0", {"topic": "x"})
    again = llm.complete("content/hook@1.1.0", {"topic": "x"})

    assert (first.text, again.text, again.cached) == ("Hello, world", "Hello, world", True)


@pytest.mark.parametrize("reason", ["length", "content_filter"])
def test_a_truncated_answer_is_returned_but_never_cached(
    llm: LLM, stub: StubLLM, cache: ResponseCache, reason: str
) -> None:
    def rewrite(response: dict[str, Any]) -> dict[str, Any]:
        response["choices"][0]["finish_reason"] = reason
        return response

    stub.rewrite = rewrite

    answers = [llm.complete("content/hook@1.1.0", {"topic": "x"}) for _ in range(2)]

    assert [(answer.cached, answer.finish_reason) for answer in answers] == [(False, reason)] * 2
    assert stub.calls == 2 and cache.stats().entries == 0


def test_an_empty_answer_is_never_cached(llm: LLM, stub: StubLLM) -> None:
    stub.content = ""

    answers = [llm.complete("content/hook@1.1.0", {"topic": "x"}) for _ in range(2)]

    assert [answer.text for answer in answers] == ["", ""] and stub.calls == 2


def test_a_hit_spends_nothing_and_reports_what_it_saved(
    llm: LLM, stub: StubLLM, registry: CollectorRegistry
) -> None:
    first = llm.complete("content/hook@1.1.0", {"topic": "rye"})
    hit = llm.complete("content/hook@1.1.0", {"topic": "rye"})

    assert first.cost_usd is not None and first.cost_usd > 0 and first.usage.total_tokens == 8
    assert (hit.cached, hit.usage, hit.cost_usd) == (True, Usage(), 0.0)
    assert (hit.saved_usage, hit.saved_cost_usd) == (first.usage, first.cost_usd)
    tokens = {"prompt": "content/hook", "model": "gpt-4o-mini", "direction": "input"}
    assert registry.get_sample_value("promptgit_llm_tokens_total", tokens) == 4  # counted once, not per hit
