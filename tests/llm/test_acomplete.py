"""acomplete() with the real openai.AsyncOpenAI against the stub server."""

from __future__ import annotations

import asyncio

import openai
import pytest
from prometheus_client import CollectorRegistry

from promptgit.errors import LLMCallError
from promptgit.llm import acomplete
from promptgit.loader import Repository

from .stub_server import StubLLM


def test_acomplete_answers_like_complete(
    repo: Repository, stub: StubLLM, registry: CollectorRegistry
) -> None:
    async def main() -> tuple[str, str]:
        async with openai.AsyncOpenAI(base_url=stub.base_url, api_key="k", max_retries=0) as client:
            answers = await asyncio.gather(
                *(
                    acomplete(repo.get("content/hook"), client=client, registry=registry, inputs={"topic": t})
                    for t in "ab"
                )
            )
        return answers[0].text, answers[1].text

    texts = asyncio.run(main())

    assert sorted(text.split(": ", 1)[1] for text in texts) == ["Topic: a", "Topic: b"]
    labels = {"prompt": "content/hook", "version": "1.1.0", "model": "gpt-4o-mini", "outcome": "ok"}
    assert registry.get_sample_value("promptgit_llm_calls_total", labels) == 2


def test_acomplete_upstream_failure(repo: Repository, stub: StubLLM) -> None:
    stub.fail(502)

    async def main() -> None:
        async with openai.AsyncOpenAI(base_url=stub.base_url, api_key="k", max_retries=0) as client:
            await acomplete(repo.get("content/hook"), client=client, inputs={"topic": "x"})

    with pytest.raises(LLMCallError) as raised:
        asyncio.run(main())
    assert raised.value.status_code == 502


def test_acomplete_takes_an_async_callable(repo: Repository) -> None:
    async def call(**request: object) -> dict[str, object]:
        await asyncio.sleep(0)
        return {"choices": [{"message": {"role": "assistant", "content": "async hi"}}]}

    answer = asyncio.run(acomplete(repo.get("content/hook"), call=call, inputs={"topic": "x"}))

    assert answer.text == "async hi"
