"""complete() through a real ResponseCache: a new release, label move, partial, model or parameter never
meets an old answer; failures are never stored; the front matter's policy decides."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import openai
import pytest
from prometheus_client import CollectorRegistry

from promptgit.errors import LLMCallError, OutputValidationError
from promptgit.llm import acomplete, complete
from promptgit.llm.cache import ResponseCache
from promptgit.llm.completion import Usage
from promptgit.loader import Repository

from .conftest import chat_prompt
from .stub_server import StubLLM


@pytest.fixture
def cache(registry: CollectorRegistry) -> Iterator[ResponseCache]:
    made = ResponseCache("memory://", registry=registry)
    yield made
    made.close()


def _calls(registry: CollectorRegistry, version: str, outcome: str) -> float:
    labels = {"prompt": "content/hook", "version": version, "model": "gpt-4o-mini", "outcome": outcome}
    return registry.get_sample_value("promptgit_llm_calls_total", labels) or 0.0


def test_two_releases_and_a_label_move_never_share_an_answer(  # type: ignore[no-untyped-def]
    released, repo: Repository, client: openai.OpenAI, stub: StubLLM, cache: ResponseCache, registry
) -> None:
    first = complete(
        repo.get("content/hook@production"),
        client=client,
        cache=cache,
        registry=registry,
        inputs={"topic": "rye"},
    )
    again = complete(
        repo.get("content/hook@production"),
        client=client,
        cache=cache,
        registry=registry,
        inputs={"topic": "rye"},
    )
    assert (first.version, first.cached, again.cached, stub.calls) == ("1.0.0", False, True, 1)
    assert again.text == first.text and again.cache_key == first.cache_key
    # a hit spent nothing: what it saved is reported under its own names
    assert again.usage == Usage() and again.cost_usd == 0.0
    assert again.saved_usage == first.usage and again.saved_cost_usd == first.cost_usd
    assert first.saved_usage is None and first.saved_cost_usd is None

    newer = complete(
        repo.get("content/hook@1.1.0"), client=client, cache=cache, registry=registry, inputs={"topic": "rye"}
    )
    assert (newer.version, newer.cached, stub.calls) == ("1.1.0", False, 2)

    released.write("prompts/labels.yaml", "production:\n  content/hook: 1.1.0\n")
    released.commit("promote content/hook 1.1.0")
    repo.get("content/hook@production")  # serves 1.0.0 once more while it re-reads the label
    assert repo.wait_for_refreshes(30)
    moved = complete(
        repo.get("content/hook@production"),
        client=client,
        cache=cache,
        registry=registry,
        inputs={"topic": "rye"},
    )
    assert (moved.version, moved.cached, moved.text, stub.calls) == ("1.1.0", True, newer.text, 2)
    assert moved.commit != first.commit

    assert _calls(registry, "1.0.0", "ok") == 1 and _calls(registry, "1.0.0", "cached") == 1
    assert _calls(registry, "1.1.0", "ok") == 1 and _calls(registry, "1.1.0", "cached") == 1
    stats = cache.stats()
    assert (stats.hits, stats.misses, stats.entries) == (2, 2, 2)
    assert stats.tokens_saved == first.usage.total_tokens + newer.usage.total_tokens


def test_a_changed_partial_model_or_parameter_is_a_new_answer(  # type: ignore[no-untyped-def]
    released, repo: Repository, client: openai.OpenAI, stub: StubLLM, cache: ResponseCache
) -> None:
    def ask(**overrides: object) -> bool:
        return complete(
            repo.get("content/hook@worktree"),
            client=client,
            cache=cache,
            inputs={"topic": "rye"},
            **overrides,
        ).cached  # type: ignore[arg-type]

    assert ask() is False and ask() is True
    released.write("prompts/partials/voice.j2", "Voice three.\n")  # same version, other partial
    assert ask() is False and ask() is True
    assert ask(model="gpt-4o") is False and ask(model="gpt-4o") is True
    assert ask(params={"temperature": 0.5}) is False and ask(params={"temperature": 0.5}) is True
    assert ask(params={"timeout": 5}) is True  # transport options do not change the answer
    assert stub.calls == 4


def test_an_upstream_failure_is_not_cached(
    repo: Repository, client: openai.OpenAI, stub: StubLLM, cache: ResponseCache, registry: CollectorRegistry
) -> None:
    stub.fail(500)
    with pytest.raises(LLMCallError):
        complete(
            repo.get("content/hook"), client=client, cache=cache, registry=registry, inputs={"topic": "rye"}
        )

    answer = complete(
        repo.get("content/hook"), client=client, cache=cache, registry=registry, inputs={"topic": "rye"}
    )

    assert (answer.cached, stub.calls, cache.stats().entries) == (False, 2, 1)
    assert _calls(registry, "1.1.0", "error") == 1 and _calls(registry, "1.1.0", "ok") == 1


def test_an_answer_failing_its_schema_is_not_cached(  # type: ignore[no-untyped-def]
    prompt_repo, client: openai.OpenAI, stub: StubLLM, cache: ResponseCache, registry
) -> None:
    prompt_repo.write("prompts/partials/voice.j2", "Voice.\n")
    schema = "output:\n  type: object\n  additionalProperties: false\n  required: [n]\n"
    schema += "  properties: {n: {type: integer}}\n"
    prompt_repo.write("prompts/content/hook.j2", chat_prompt("1.0.0", schema))
    prompt_repo.commit("structured")
    prompt = Repository(prompt_repo.root, registry=registry).get("content/hook@worktree")
    stub.content = '{"n": "three"}'
    with pytest.raises(OutputValidationError, match=r"at \$\.n: 'three' is not of type 'integer'"):
        complete(prompt, client=client, cache=cache, inputs={"topic": "x"})

    stub.content = '{"n": 3}'
    answer = complete(prompt, client=client, cache=cache, inputs={"topic": "x"})
    hit = complete(prompt, client=client, cache=cache, inputs={"topic": "x"})

    assert (answer.cached, answer.output, hit.cached, hit.output, stub.calls) == (
        False,
        {"n": 3},
        True,
        {"n": 3},
        2,
    )


@pytest.mark.parametrize("policy", ["cache: false\n", "cache: {ttl: 0}\n"])
def test_a_prompt_that_says_cache_false_is_never_cached(  # type: ignore[no-untyped-def]
    prompt_repo, client: openai.OpenAI, stub: StubLLM, cache: ResponseCache, policy: str
) -> None:
    prompt_repo.write("prompts/partials/voice.j2", "Voice.\n")
    prompt_repo.write("prompts/content/hook.j2", chat_prompt("1.0.0", policy))
    prompt_repo.commit("uncached")
    prompt = Repository(prompt_repo.root, registry=CollectorRegistry()).get("content/hook@worktree")

    answers = [complete(prompt, client=client, cache=cache, inputs={"topic": "x"}) for _ in range(2)]

    assert [answer.cached for answer in answers] == [False, False]
    assert (stub.calls, cache.stats().entries) == (2, 0)


def test_the_front_matter_ttl_applies(prompt_repo, client: openai.OpenAI, stub: StubLLM) -> None:  # type: ignore[no-untyped-def]
    now = [1000.0]
    cache = ResponseCache("memory://", ttl=86400, registry=CollectorRegistry(), clock=lambda: now[0])
    prompt_repo.write("prompts/partials/voice.j2", "Voice.\n")
    prompt_repo.write("prompts/content/hook.j2", chat_prompt("1.0.0", "cache: {ttl: 15m}\n"))
    prompt_repo.commit("short-lived")
    prompt = Repository(prompt_repo.root, registry=CollectorRegistry()).get("content/hook@worktree")

    def cached() -> bool:
        return complete(prompt, client=client, cache=cache, inputs={"topic": "x"}).cached

    assert cached() is False
    now[0] += 14 * 60
    assert cached() is True
    now[0] += 2 * 60  # 16 minutes after the answer was stored: past the prompt's 15m, well within 24 h
    assert cached() is False
    assert stub.calls == 2


def test_cache_if_keeps_refused_answers_out(
    repo: Repository, client: openai.OpenAI, stub: StubLLM, cache: ResponseCache
) -> None:
    stub.content = "I cannot help with that."

    def refuse(answer: object) -> bool:
        return "cannot" not in answer.text  # type: ignore[attr-defined]

    for _ in range(2):
        assert (
            complete(
                repo.get("content/hook"), client=client, cache=cache, cache_if=refuse, inputs={"topic": "x"}
            ).cached
            is False
        )
    stub.content = "Here you go."
    complete(repo.get("content/hook"), client=client, cache=cache, cache_if=refuse, inputs={"topic": "x"})
    assert (
        complete(
            repo.get("content/hook"), client=client, cache=cache, cache_if=refuse, inputs={"topic": "x"}
        ).cached
        is True
    )
    assert stub.calls == 3


def test_acomplete_shares_the_cache(repo: Repository, stub: StubLLM, cache: ResponseCache) -> None:
    async def main() -> list[bool]:
        async with openai.AsyncOpenAI(base_url=stub.base_url, api_key="k", max_retries=0) as client:
            first = await acomplete(
                repo.get("content/hook"), client=client, cache=cache, inputs={"topic": "x"}
            )
            second = await acomplete(
                repo.get("content/hook"), client=client, cache=cache, inputs={"topic": "x"}
            )
        return [first.cached, second.cached]

    assert asyncio.run(main()) == [False, True]
    assert stub.calls == 1


def test_sixteen_threads_asking_the_same_make_one_call(
    repo: Repository, client: openai.OpenAI, stub: StubLLM, cache: ResponseCache, registry: CollectorRegistry
) -> None:
    prompt = repo.get("content/hook")
    stub.stall()  # the first request is held, so the others arrive while it is in flight
    with ThreadPoolExecutor(16) as pool:
        futures = [
            pool.submit(
                complete, prompt, client=client, cache=cache, registry=registry, inputs={"topic": "rye"}
            )
            for _ in range(16)
        ]
        stub.release()
        answers = [future.result(timeout=60) for future in futures]

    assert stub.calls == 1
    assert {answer.text for answer in answers} == {"answer 1: Topic: rye"}
    assert sorted(answer.cached for answer in answers) == [False] + [True] * 15
    assert _calls(registry, "1.1.0", "ok") == 1 and _calls(registry, "1.1.0", "cached") == 15


def test_editing_a_completion_never_edits_the_cached_answer(  # type: ignore[no-untyped-def]
    released, repo: Repository, client: openai.OpenAI, cache: ResponseCache, registry
) -> None:
    # memory:// hands out the stored value itself; the completion's response is a copy of it
    prompt = repo.get("content/hook@production")
    first = complete(prompt, client=client, cache=cache, registry=registry, inputs={"topic": "rye"})
    first.response["choices"][0]["message"]["content"] = "edited by the caller"
    hit = complete(prompt, client=client, cache=cache, registry=registry, inputs={"topic": "rye"})
    hit.response["choices"].clear()
    again = complete(prompt, client=client, cache=cache, registry=registry, inputs={"topic": "rye"})
    assert hit.cached and again.cached
    assert again.text == hit.text == first.text != "edited by the caller"
    assert again.response["choices"][0]["message"]["content"] == first.text
