"""complete() with the real openai SDK on the stub server: its span, the render inside, cache, errors."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import openai
import pytest
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import CollectorRegistry

from promptgit.errors import LLMCallError
from promptgit.llm import acomplete, complete
from promptgit.llm.cache import ResponseCache
from promptgit.loader import Repository

CHAT = """\
---
version: 1.0.0
kind: hook
model: gpt-4o-mini
inputs:
  topic: {type: string}
params: {temperature: 0, max_tokens: 50}
---
{% message "user" %}Topic: {{ topic }}{% endmessage %}
"""


@pytest.fixture
def repo(prompt_repo) -> Iterator[Repository]:  # type: ignore[no-untyped-def]
    prompt_repo.write("prompts/content/chat.j2", CHAT)
    prompt_repo.write("prompts/labels.yaml", "production:\n  content/chat: 1.0.0\n")
    prompt_repo.commit("chat")
    prompt_repo.tag_release("content/chat", "1.0.0")
    with Repository(prompt_repo.root, registry=CollectorRegistry()) as opened:
        yield opened


def test_a_call_is_a_client_span_with_the_render_inside(repo, client, spans, tracer) -> None:
    prompt = repo.get("content/chat@production")
    cache = ResponseCache("memory://", registry=CollectorRegistry())
    with tracer.start_as_current_span("request") as request:
        first = complete(
            prompt, client=client, cache=cache, registry=CollectorRegistry(), inputs={"topic": "bread"}
        )
        again = complete(
            prompt, client=client, cache=cache, registry=CollectorRegistry(), inputs={"topic": "bread"}
        )
    assert (first.cached, again.cached) == (False, True)
    calls = [span for span in spans.get_finished_spans() if span.name == "chat gpt-4o-mini"]
    renders = [span for span in spans.get_finished_spans() if span.name == "promptgit.render"]
    assert len(calls) == 2 and len(renders) == 2
    for call, render in zip(calls, renders, strict=True):
        assert call.kind is SpanKind.CLIENT
        assert call.parent is not None and call.parent.span_id == request.get_span_context().span_id
        assert render.parent is not None and render.parent.span_id == call.context.span_id
        assert call.attributes["gen_ai.operation.name"] == "chat"
        assert call.attributes["gen_ai.request.model"] == "gpt-4o-mini"
        assert call.attributes["gen_ai.request.temperature"] == 0
        assert call.attributes["gen_ai.request.max_tokens"] == 50
        assert call.attributes["gen_ai.response.model"] == "gpt-4o-mini"
        assert call.attributes["gen_ai.response.finish_reasons"] == ("stop",)
        assert call.attributes["promptgit.prompt.version"] == "1.0.0"
        assert call.attributes["promptgit.prompt.blob_sha"] == prompt.blob_sha
        assert call.attributes["promptgit.prompt.commit"] == prompt.commit
    assert [call.attributes["promptgit.response_cache.hit"] for call in calls] == [False, True]
    paid, hit = calls
    assert paid.attributes["gen_ai.response.id"] == "chatcmpl-stub-1"
    assert paid.attributes["gen_ai.usage.input_tokens"] == first.usage.input_tokens == 2
    assert paid.attributes["gen_ai.usage.output_tokens"] == first.usage.output_tokens
    assert paid.attributes["promptgit.cost_usd"] == pytest.approx(first.cost_usd)
    # a hit spent nothing: no usage, cost or response id that a trace backend would add up as spend
    spend = (
        "gen_ai.usage.input_tokens",
        "gen_ai.usage.output_tokens",
        "gen_ai.response.id",
        "promptgit.cost_usd",
    )
    assert [name for name in spend if name in hit.attributes] == []
    cache.close()


def test_a_cache_hit_spends_nothing_on_its_span(repo, client, spans, tracer) -> None:
    # issue 20 item 3: a hit carried the first call's usage, cost and response id, and a trace backend
    # summing gen_ai.usage.* overstated spend; what a hit saved has names of its own
    prompt = repo.get("content/chat@production")
    cache = ResponseCache("memory://", registry=CollectorRegistry())
    first = complete(prompt, {"topic": "bread"}, client=client, cache=cache, registry=CollectorRegistry())
    complete(prompt, {"topic": "bread"}, client=client, cache=cache, registry=CollectorRegistry())
    hit = [span for span in spans.get_finished_spans() if span.name == "chat gpt-4o-mini"][-1]
    assert hit.attributes["promptgit.response_cache.hit"] is True
    spent = {key for key in hit.attributes if key.startswith("gen_ai.usage.") or key == "promptgit.cost_usd"}
    assert spent == set()
    assert "gen_ai.response.id" not in hit.attributes
    saved = first.usage.input_tokens + first.usage.output_tokens
    assert hit.attributes["promptgit.response_cache.saved_tokens"] == saved
    assert hit.attributes["promptgit.response_cache.saved_cost_usd"] == pytest.approx(first.cost_usd)
    cache.close()


def test_a_failed_call_is_an_error_span(repo, client, stub, spans) -> None:
    stub.fail(500)
    with pytest.raises(LLMCallError):
        complete(repo.get("content/chat"), client=client, registry=CollectorRegistry(), inputs={"topic": "x"})
    (call,) = [span for span in spans.get_finished_spans() if span.name == "chat gpt-4o-mini"]
    assert call.parent is None  # complete makes its span as a root too
    assert call.status.status_code is StatusCode.ERROR
    assert [event.attributes["exception.type"] for event in call.events] == ["promptgit.errors.LLMCallError"]
    assert "promptgit.response_cache.hit" not in call.attributes  # no cache was consulted


def test_acomplete_spans_in_concurrent_tasks_keep_their_parents(repo, stub, spans, tracer) -> None:
    prompt = repo.get("content/chat")

    async def one(client: openai.AsyncOpenAI, number: int) -> str:
        with tracer.start_as_current_span(f"request {number}"):
            answer = await acomplete(
                prompt, client=client, registry=CollectorRegistry(), inputs={"topic": f"t{number}"}
            )
            return answer.text

    async def main() -> list[str]:
        async with openai.AsyncOpenAI(base_url=stub.base_url, api_key="k", max_retries=0) as client:
            return await asyncio.gather(*(one(client, n) for n in range(4)))

    assert len(asyncio.run(main())) == 4
    finished = spans.get_finished_spans()
    requests = {span.context.span_id: span.name for span in finished if span.name.startswith("request")}
    calls = [span for span in finished if span.name == "chat gpt-4o-mini"]
    assert len(calls) == 4
    for call in calls:
        assert call.parent is not None and call.parent.span_id in requests
        (render,) = [
            s for s in finished if s.name == "promptgit.render" and s.parent.span_id == call.context.span_id
        ]
        assert render.context.trace_id == call.context.trace_id
    assert len({call.parent.span_id for call in calls}) == 4  # each task's call under its own request
