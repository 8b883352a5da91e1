"""complete() with the real openai SDK against the stub server: request, answer, usage, cost, errors."""

from __future__ import annotations

import openai
import pytest
from prometheus_client import CollectorRegistry

from promptgit.errors import ConfigError, InputValidationError, LLMCallError
from promptgit.llm import complete
from promptgit.loader import Repository

from .stub_server import StubLLM


def _calls(registry: CollectorRegistry, outcome: str, version: str = "1.1.0") -> float:
    labels = {"prompt": "content/hook", "version": version, "model": "gpt-4o-mini", "outcome": outcome}
    return registry.get_sample_value("promptgit_llm_calls_total", labels) or 0.0


def test_a_chat_prompt_is_sent_with_its_model_and_params(
    repo: Repository, client: openai.OpenAI, stub: StubLLM, registry: CollectorRegistry
) -> None:
    prompt = repo.get("content/hook")

    answer = complete(prompt, client=client, registry=registry, inputs={"topic": "sourdough"})

    assert stub.requests == [
        {
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "Voice two."},
                {"role": "user", "content": "Topic: sourdough"},
            ],
            "temperature": 0,
            "max_tokens": 50,
        }
    ]
    assert answer.text == "answer 1: Topic: sourdough"
    assert answer.output is None
    assert answer.response["id"] == "chatcmpl-stub-1"
    assert (answer.usage.input_tokens, answer.usage.output_tokens, answer.usage.estimated) == (4, 4, False)
    assert answer.cost_usd == pytest.approx((4 * 0.15 + 4 * 0.60) / 1_000_000)
    assert answer.cached is False and answer.cache_key is None
    assert (answer.name, answer.version, answer.model) == ("content/hook", "1.1.0", "gpt-4o-mini")
    assert answer.commit == prompt.commit and answer.blob_sha == prompt.blob_sha
    assert answer.latency_seconds > 0
    assert _calls(registry, "ok") == 1
    tokens = {"prompt": "content/hook", "model": "gpt-4o-mini"}
    assert registry.get_sample_value("promptgit_llm_tokens_total", {**tokens, "direction": "input"}) == 4
    assert registry.get_sample_value("promptgit_llm_tokens_total", {**tokens, "direction": "output"}) == 4
    assert registry.get_sample_value("promptgit_llm_cost_usd_total", tokens) == pytest.approx(answer.cost_usd)
    assert registry.get_sample_value("promptgit_llm_call_duration_seconds_count", tokens) == 1


def test_the_call_overrides_model_and_params(repo: Repository, client: openai.OpenAI, stub: StubLLM) -> None:
    complete(
        repo.get("content/hook"),
        client=client,
        model="gpt-4.1",
        params={"temperature": 0.5, "seed": 7},
        inputs={"topic": "x"},
    )

    sent = stub.requests[0]
    assert (sent["model"], sent["temperature"], sent["seed"], sent["max_tokens"]) == ("gpt-4.1", 0.5, 7, 50)


def test_a_text_prompt_becomes_one_user_message(
    repo: Repository, client: openai.OpenAI, stub: StubLLM
) -> None:
    answer = complete(repo.get("plain/echo"), client=client, model="gpt-4o", inputs={"topic": "rye"})

    assert stub.requests[0]["messages"] == [{"role": "user", "content": "Say rye"}]
    assert answer.text == "answer 1: Say rye"


def test_cached_input_tokens_are_priced_as_cached(
    repo: Repository, client: openai.OpenAI, stub: StubLLM
) -> None:
    stub.cached_tokens = 2

    answer = complete(repo.get("content/hook"), client=client, inputs={"topic": "sourdough"})

    assert answer.usage.cached_tokens == 2
    assert answer.cost_usd == pytest.approx((2 * 0.15 + 2 * 0.075 + 4 * 0.60) / 1_000_000)


def test_without_usage_promptgit_counts_and_says_so(
    repo: Repository, client: openai.OpenAI, stub: StubLLM
) -> None:
    stub.report_usage = False

    answer = complete(repo.get("content/hook"), client=client, inputs={"topic": "sourdough"})

    assert answer.usage.estimated is True
    assert answer.usage.input_tokens > 0 and answer.usage.output_tokens > 0
    assert answer.cost_usd is not None and answer.cost_usd > 0


def test_invalid_inputs_never_reach_the_provider(
    repo: Repository, client: openai.OpenAI, stub: StubLLM
) -> None:
    with pytest.raises(InputValidationError, match=r"content/hook@1\.1\.0"):
        complete(repo.get("content/hook"), client=client, inputs={"topic": 3})

    assert stub.calls == 0


@pytest.mark.parametrize("status", [500, 503, 429])
def test_an_upstream_failure_is_one_clear_counted_error(
    repo: Repository, client: openai.OpenAI, stub: StubLLM, registry: CollectorRegistry, status: int
) -> None:
    stub.fail(status)

    with pytest.raises(LLMCallError) as raised:
        complete(repo.get("content/hook"), client=client, registry=registry, inputs={"topic": "x"})

    error = raised.value
    assert str(error).startswith("content/hook@1.1.0: the gpt-4o-mini call failed: ")
    assert (error.prompt, error.version, error.model, error.status_code) == (
        "content/hook",
        "1.1.0",
        "gpt-4o-mini",
        status,
    )
    assert isinstance(error.__cause__, openai.APIStatusError)
    assert _calls(registry, "error") == 1 and _calls(registry, "ok") == 0


def test_a_stalled_upstream_times_out_as_an_error(
    repo: Repository, stub: StubLLM, registry: CollectorRegistry
) -> None:
    stub.stall()
    impatient = openai.OpenAI(base_url=stub.base_url, api_key="k", max_retries=0, timeout=0.3)
    with impatient, pytest.raises(LLMCallError, match="APITimeoutError"):
        complete(repo.get("content/hook"), client=impatient, registry=registry, inputs={"topic": "x"})
    stub.release()

    assert _calls(registry, "error") == 1


def test_any_callable_can_be_the_provider(repo: Repository) -> None:
    seen = []

    def call(**request: object) -> dict[str, object]:
        seen.append(request)
        return {"model": request["model"], "choices": [{"message": {"role": "assistant", "content": "hi"}}]}

    answer = complete(repo.get("content/hook"), call=call, inputs={"topic": "x"})

    assert answer.text == "hi" and answer.usage.estimated is True
    assert seen[0]["messages"][1] == {"role": "user", "content": "Topic: x"}


def test_a_provider_is_required(repo: Repository) -> None:
    with pytest.raises(ConfigError, match=r"client= .* or call="):
        complete(repo.get("content/hook"), inputs={"topic": "x"})


def test_a_client_call_needs_a_model(repo: Repository, client: openai.OpenAI) -> None:
    with pytest.raises(ConfigError, match=r"plain/echo@0\.1\.0: no model"):
        complete(repo.get("plain/echo"), client=client, inputs={"topic": "x"})
