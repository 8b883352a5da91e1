"""Usage from the response in the field names providers use, or promptgit's own count."""

from __future__ import annotations

from promptgit.llm import Usage
from promptgit.llm.usage import estimated_usage, response_usage


def test_openai_usage_with_cached_prompt_tokens() -> None:
    response = {
        "usage": {
            "prompt_tokens": 120,
            "completion_tokens": 30,
            "prompt_tokens_details": {"cached_tokens": 100},
        }
    }

    assert response_usage(response) == Usage(input_tokens=120, output_tokens=30, cached_tokens=100)


def test_anthropic_usage_counts_cache_reads_as_cached_input() -> None:
    response = {"usage": {"input_tokens": 20, "output_tokens": 5, "cache_read_input_tokens": 100}}

    assert response_usage(response) == Usage(input_tokens=120, output_tokens=5, cached_tokens=100)


def test_no_usage_is_none_and_the_estimate_says_so() -> None:
    assert response_usage({"choices": []}) is None
    assert response_usage({"usage": {"tokens": 3}}) is None

    estimate = estimated_usage([{"role": "user", "content": "Hello there, world"}], "Hi!", "gpt-4o-mini")

    assert estimate.estimated is True and estimate.input_tokens > 3 and estimate.output_tokens >= 1
    assert estimated_usage("text", "", None).output_tokens == 0
