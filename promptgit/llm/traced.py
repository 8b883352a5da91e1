"""The span of one complete(): the GenAI conventions' attributes and the prompt's (promptgit.telemetry)."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

from promptgit.format.prompt import Prompt
from promptgit.llm.completion import Completion
from promptgit.telemetry.tracing import CompletionSpan, completion_span


def call_span(
    prompt: Prompt, model: str | None, params: Mapping[str, Any] | None
) -> AbstractContextManager[CompletionSpan]:
    """`chat {model}` around render, cache lookup and provider call (a no-op without OpenTelemetry)."""
    return completion_span(prompt, model or prompt.model, params={**prompt.params, **(params or {})})


def recorded(span: CompletionSpan, completion: Completion) -> Completion:
    """Write what the call returned on its span: cache hit, usage, response model and id, cost. A hit spent
    nothing, so its span carries no usage, cost or response id (a trace backend summing them would count
    the original call's spend once per hit): only the hit, the model and the finish reasons."""
    if not span.recording:
        return completion
    if completion.cache_key is not None:
        span.cache(completion.cached)
    choices = completion.response.get("choices") or []
    reasons = [str(c["finish_reason"]) for c in choices if isinstance(c, dict) and c.get("finish_reason")]
    if completion.cached:
        span.response(completion.model, None, reasons)
        return completion
    usage = completion.usage
    span.usage(usage.input_tokens, usage.output_tokens, usage.cached_tokens)
    response_id = completion.response.get("id")
    span.response(completion.model, str(response_id) if response_id else None, reasons)
    if completion.cost_usd is not None:
        span.cost(completion.cost_usd)
    return completion
