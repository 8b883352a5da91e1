"""`complete()` and `acomplete()`: one call without a client object, as `httpx.get` is to `httpx.Client`.

For a service, make one `promptgit.LLM` and reuse it: it holds the configuration, shares single-flight
failures between callers, and resolves selectors. These open a client object for one call; inputs are
their own mapping here too, so no input name can collide with an option.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry

from promptgit.format.prompt import Prompt
from promptgit.llm.client import DEFAULT_TIMEOUT, LLM
from promptgit.llm.completion import Completion
from promptgit.llm.plan import CacheIf
from promptgit.tokens.prices import PriceTable

if TYPE_CHECKING:
    from promptgit.llm.cache import ResponseCache


def complete(
    prompt: Prompt,
    inputs: Mapping[str, Any] | None = None,
    *,
    client: Any = None,
    call: Callable[..., Any] | None = None,
    cache: ResponseCache | None = None,
    model: str | None = None,
    params: Mapping[str, Any] | None = None,
    cache_if: CacheIf | None = None,
    prices: PriceTable | None = None,
    registry: CollectorRegistry | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Completion:
    """`LLM(client=..., ...).complete(prompt, inputs)` for a loaded Prompt: see LLM.complete."""
    llm = LLM(client=client, call=call, cache=cache, prices=prices, registry=registry, timeout=timeout)
    return llm.complete(prompt, inputs, model=model, params=params, cache_if=cache_if)


async def acomplete(
    prompt: Prompt,
    inputs: Mapping[str, Any] | None = None,
    *,
    client: Any = None,
    call: Callable[..., Any] | None = None,
    cache: ResponseCache | None = None,
    model: str | None = None,
    params: Mapping[str, Any] | None = None,
    cache_if: CacheIf | None = None,
    prices: PriceTable | None = None,
    registry: CollectorRegistry | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Completion:
    """`complete` for asyncio: `client` is an `openai.AsyncOpenAI`, or `call` returns an awaitable."""
    llm = LLM(client=client, call=call, cache=cache, prices=prices, registry=registry, timeout=timeout)
    return await llm.acomplete(prompt, inputs, model=model, params=params, cache_if=cache_if)
