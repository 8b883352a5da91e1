"""`complete()` and `acomplete()`: render, look up, call the provider, check the answer, account for it.

The two share CallPlan (plan.py) and differ only in the transport call, the way httpx's Client and
AsyncClient do.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry

from promptgit.errors import ConfigError, PromptgitError
from promptgit.format.prompt import Prompt
from promptgit.llm.completion import Completion
from promptgit.llm.plan import CacheIf, CallPlan, plan
from promptgit.llm.prices import PriceTable, price_table
from promptgit.observability.registry import llm_metrics
from promptgit.observability.tracing import call_span, recorded

if TYPE_CHECKING:
    from promptgit.llm.cache import ResponseCache


def complete(
    prompt: Prompt,
    *,
    client: Any = None,
    call: Callable[..., Any] | None = None,
    cache: ResponseCache | None = None,
    model: str | None = None,
    params: Mapping[str, Any] | None = None,
    cache_if: CacheIf | None = None,
    prices: PriceTable | None = None,
    registry: CollectorRegistry | None = None,
    **inputs: Any,
) -> Completion:
    """Answer `prompt` (from `Repository.get`) rendered with `inputs`, from `cache` when it has the answer.

    The provider is `client` (an `openai.OpenAI`, or any OpenAI-compatible server through its `base_url`)
    or `call`, a callable taking chat.completions.create's keyword arguments (model, messages, params) and
    returning a chat completion as a dict or an object with model_dump(), for other SDKs. `model` and
    `params` override the front matter's. The prompt's `cache:` policy decides whether and how long its
    answers are kept; `cache_if(completion)` returning False keeps a fresh answer out of the cache.
    Raises InputValidationError/RenderError (inputs), LLMCallError (the provider raised; its exception is
    the cause), OutputValidationError (the answer fails `output:`). Failures are never cached.
    """
    with call_span(prompt, model, params) as span:
        send = _sender(client, call)
        current = _plan(prompt, inputs, model, params, prices, registry, client)

        def compute() -> dict[str, Any]:
            start = time.perf_counter()
            try:
                raw = send(current.request)
            except PromptgitError:
                raise
            except Exception as exc:
                raise current.failed(exc, time.perf_counter() - start) from exc
            return current.answered(raw, time.perf_counter() - start)

        if cache is None or not current.policy.enabled:
            return recorded(span, current.completion(compute(), cached=False))
        value, hit = cache.get_or_compute(
            current.key,
            compute,
            prompt=prompt.name,
            version=prompt.version,
            ttl=current.policy.ttl,
            cacheable=current.cacheable(cache_if),
        )
        return recorded(span, current.completion(value, cached=hit, key=current.key))


async def acomplete(
    prompt: Prompt,
    *,
    client: Any = None,
    call: Callable[..., Any] | None = None,
    cache: ResponseCache | None = None,
    model: str | None = None,
    params: Mapping[str, Any] | None = None,
    cache_if: CacheIf | None = None,
    prices: PriceTable | None = None,
    registry: CollectorRegistry | None = None,
    **inputs: Any,
) -> Completion:
    """`complete` for asyncio: `client` is an `openai.AsyncOpenAI`, or `call` returns an awaitable."""
    with call_span(prompt, model, params) as span:
        send = _async_sender(client, call)
        current = _plan(prompt, inputs, model, params, prices, registry, client)

        async def compute() -> dict[str, Any]:
            start = time.perf_counter()
            try:
                raw = await send(current.request)
            except PromptgitError:
                raise
            except Exception as exc:
                raise current.failed(exc, time.perf_counter() - start) from exc
            return current.answered(raw, time.perf_counter() - start)

        if cache is None or not current.policy.enabled:
            return recorded(span, current.completion(await compute(), cached=False))
        value, hit = await cache.aget_or_compute(
            current.key,
            compute,
            prompt=prompt.name,
            version=prompt.version,
            ttl=current.policy.ttl,
            cacheable=current.cacheable(cache_if),
        )
        return recorded(span, current.completion(value, cached=hit, key=current.key))


def _plan(
    prompt: Prompt,
    inputs: Mapping[str, Any],
    model: str | None,
    params: Mapping[str, Any] | None,
    prices: PriceTable | None,
    registry: CollectorRegistry | None,
    client: Any,
) -> CallPlan:
    current = plan(
        prompt,
        inputs,
        model=model,
        params=params,
        prices=prices or price_table(),
        metrics=llm_metrics(registry),
    )
    if client is not None and current.model is None:
        raise ConfigError(
            f"{prompt.name}@{prompt.version}: no model: set `model:` in the front matter or pass model="
        )
    return current


def _sender(client: Any, call: Callable[..., Any] | None) -> Callable[[dict[str, Any]], Any]:
    if call is not None:
        return lambda request: call(**request)
    if client is None:
        raise ConfigError("complete() needs client= (an OpenAI-compatible client) or call=")
    create = client.chat.completions.create
    return lambda request: create(**request)


def _async_sender(client: Any, call: Callable[..., Any] | None) -> Callable[[dict[str, Any]], Awaitable[Any]]:
    if call is None and client is None:
        raise ConfigError("acomplete() needs client= (an openai.AsyncOpenAI) or call=")
    target = call if call is not None else client.chat.completions.create

    async def send(request: dict[str, Any]) -> Any:
        result = target(**request)
        return await result if inspect.isawaitable(result) else result

    return send
