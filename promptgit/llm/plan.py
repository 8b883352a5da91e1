"""One complete() call, transport aside: the request and its cache key, and the answer turned into a value,
metrics and a Completion. complete() and acomplete() share it and differ only in how they send."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from promptgit.errors import ConfigError, LLMCallError, OutputValidationError, PromptgitError
from promptgit.format.cachepolicy import CachePolicy, cache_policy
from promptgit.format.outputschema import output_schema
from promptgit.format.prompt import Prompt
from promptgit.format.templating import Rendered
from promptgit.llm.completion import Completion, Usage
from promptgit.llm.output import parse_output, response_format
from promptgit.llm.prices import PriceTable, model_label
from promptgit.llm.usage import estimated_usage, response_usage
from promptgit.observability.bounds import clip
from promptgit.observability.llm_series import LLMMetrics

log = logging.getLogger("promptgit.llm")

# request parameters that do not change the answer, so they stay out of the cache key
NOT_IN_KEY = frozenset(
    {
        "timeout",
        "extra_headers",
        "extra_query",
        "user",
        "metadata",
        "store",
        "service_tier",
        "safety_identifier",
        "prompt_cache_key",
        "stream_options",
    }
)

CacheIf = Callable[[Completion], bool]


@dataclass
class CallPlan:
    """What to send for one call of one prompt version, and how to account for what comes back."""

    prompt: Prompt
    rendered: Rendered
    request: dict[str, Any]  # the keyword arguments of chat.completions.create
    model: str | None
    schema: dict[str, Any] | None
    policy: CachePolicy
    prices: PriceTable
    metrics: LLMMetrics
    label: str  # the bounded `model` label
    started: float

    @cached_property
    def key(self) -> str:
        from promptgit.llm.cache import cache_key

        params = {k: v for k, v in self.request.items() if k not in NOT_IN_KEY | {"model", "messages"}}
        return cache_key(
            prompt=self.prompt.name,
            version=self.prompt.version,
            blob_sha=self.prompt.blob_sha or "",
            rendered=self.rendered,
            model=self.model,
            params=params,
        )

    def answered(self, raw: object, seconds: float) -> dict[str, Any]:
        """The answer as the cache's value; OutputValidationError (counted) when it fails `output:`."""
        response = _as_dict(raw, self.prompt)
        text = _text(response)
        usage = response_usage(response) or estimated_usage(self.rendered, text, self.model)
        model = str(response.get("model") or self.model or "") or None
        cost = self.prices.cost(model, usage) if model else None
        if cost is None and self.model != model:
            cost = self.prices.cost(self.model, usage)
        value = {"response": response, "usage": usage.as_dict(), "cost_usd": cost, "model": model}
        try:
            self.parsed(text)
        except OutputValidationError:
            self._count("invalid_output", seconds, usage, cost)
            raise
        self._count("ok", seconds, usage, cost)
        return value

    def failed(self, exc: Exception, seconds: float) -> LLMCallError:
        """The error to raise for a provider call that raised `exc` (counted and logged)."""
        self._count("error", seconds, None, None)
        status = getattr(exc, "status_code", None)
        status_code = status if isinstance(status, int) else None
        where = f"{self.prompt.name}@{self.prompt.version}"
        error = LLMCallError(
            f"{where}: the {self.model or 'model'} call failed: {type(exc).__name__}: {clip(str(exc))}",
            prompt=self.prompt.name,
            version=self.prompt.version,
            model=self.model,
            status_code=status_code,
        )
        log.warning(
            "llm call failed: %s", error, extra={"prompt": self.prompt.name, "version": self.prompt.version}
        )
        return error

    def parsed(self, text: str) -> Any:
        if self.schema is None:
            return None
        return parse_output(text, self.schema, prompt=self.prompt.name, version=self.prompt.version)

    def completion(self, value: Mapping[str, Any], *, cached: bool, key: str | None = None) -> Completion:
        """The Completion of a value, fresh or from the cache (a hit is counted as outcome `cached`)."""
        # a copy of the JSON tree: a memory:// cache hands out the stored value itself, and a caller that
        # edits its completion must not edit what the next caller gets
        response = _json_copy(value.get("response") or {})
        text = _text(response)
        try:
            output = self.parsed(text)
        except OutputValidationError:
            if cached:
                self._count("invalid_output", None, None, None)
            raise
        if cached:
            self._count("cached", None, None, None)
        cost = value.get("cost_usd")
        prompt = self.prompt
        return Completion(
            text=text,
            output=output,
            response=response,
            usage=Usage.from_dict(dict(value.get("usage") or {})),
            cost_usd=float(cost) if isinstance(cost, (int, float)) else None,
            latency_seconds=time.perf_counter() - self.started,
            cached=cached,
            model=value.get("model") or self.model,
            name=prompt.name,
            version=prompt.version,
            commit=prompt.commit,
            blob_sha=prompt.blob_sha,
            cache_key=key,
        )

    def cacheable(self, cache_if: CacheIf | None) -> Callable[[dict[str, Any]], bool] | None:
        if cache_if is None:
            return None
        return lambda value: bool(cache_if(self.completion(value, cached=False, key=self.key)))

    def _count(self, outcome: str, seconds: float | None, usage: Usage | None, cost: float | None) -> None:
        self.metrics.called(self.prompt.name, self.prompt.version, self.label, outcome, seconds, usage)
        self.metrics.spent(self.prompt.name, self.label, cost)


def plan(
    prompt: Prompt,
    inputs: Mapping[str, Any],
    *,
    model: str | None,
    params: Mapping[str, Any] | None,
    prices: PriceTable,
    metrics: LLMMetrics,
) -> CallPlan:
    """Render `prompt` with checked inputs and build the request: the prompt's model and params, overridden
    by the call's; its `output:` schema as response_format unless the call gives one."""
    started = time.perf_counter()
    rendered = prompt.render(**inputs)
    messages = [{"role": "user", "content": rendered}] if isinstance(rendered, str) else rendered
    chosen = model or prompt.model
    merged = {**prompt.params, **(params or {})}
    if merged.get("stream"):
        raise ConfigError(f"{prompt.name}@{prompt.version}: complete() does not stream; remove `stream`")
    schema = output_schema(prompt.metadata)
    if schema is not None and "response_format" not in merged:
        merged["response_format"] = response_format(prompt.name, schema)
    try:
        policy = cache_policy(prompt.metadata)
    except ValueError as exc:
        raise PromptgitError(f"{prompt.name}@{prompt.version}: {exc}") from None
    request = {**({"model": chosen} if chosen else {}), "messages": messages, **merged}
    return CallPlan(
        prompt=prompt,
        rendered=rendered,
        request=request,
        model=chosen,
        schema=schema,
        policy=policy,
        prices=prices,
        metrics=metrics,
        label=model_label(chosen, prices),
        started=started,
    )


def _as_dict(raw: object, prompt: Prompt) -> dict[str, Any]:
    if isinstance(raw, Mapping):
        try:
            return dict(json.loads(json.dumps(raw)))  # plain JSON, as the cache stores it
        except (TypeError, ValueError) as exc:
            raise PromptgitError(
                f"{prompt.name}@{prompt.version}: the call returned non-JSON data: {exc}"
            ) from None
    dump = getattr(raw, "model_dump", None)
    if callable(dump):
        dumped = dump(mode="json")
        if isinstance(dumped, dict):
            return dumped
    raise PromptgitError(
        f"{prompt.name}@{prompt.version}: the call returned {type(raw).__name__}, "
        "expected a chat completion (a dict or an object with model_dump())"
    )


def _text(response: Mapping[str, Any]) -> str:
    choices = response.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], Mapping):
        message = choices[0].get("message")
        if isinstance(message, Mapping):
            return str(message.get("content") or "")
        return str(choices[0].get("text") or "")  # the legacy completions shape
    return ""


def _json_copy(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, scalars): a third of copy.deepcopy's time."""
    if isinstance(value, dict):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_copy(item) for item in value]
    return value
