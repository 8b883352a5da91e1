"""One call of one prompt version, transport aside: the request and its identity (the cache key), and the
answer checked and turned into a value, metrics and a Completion. LLM.complete and LLM.acomplete share it
and differ only in how they send.

What is sent is decided here and nowhere else: the rendered messages, the model, the prompt's params with
the caller's on top, and the `output:` schema as response_format. Nothing a caller passes as params can
replace the messages, the model or the output format (PROTECTED_PARAMS), and the cache key is a hash of
exactly what is sent plus the provider it goes to (request_identity), so no answer can be found under a
request it was not given for.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from promptgit.errors import ConfigError, InputValidationError, LLMCallError, OutputValidationError
from promptgit.format.cachepolicy import CachePolicy, cache_policy
from promptgit.format.outputschema import output_schema
from promptgit.format.prompt import Prompt
from promptgit.format.templating import Rendered
from promptgit.llm.answers import TRUNCATED, AnswerError, answer_text, finish_reason
from promptgit.llm.completion import Completion, Usage
from promptgit.llm.output import parse_output, response_format
from promptgit.llm.usage import UsageError, estimated_usage, response_usage
from promptgit.observability.bounds import clip
from promptgit.observability.llm_series import LLMMetrics
from promptgit.tokens.prices import PriceTable, model_label

log = logging.getLogger("promptgit.llm")

# what the caller's params may never set: the conversation, the model and the output format are the
# prompt's (and the `model=` option's), never a parameter's
PROTECTED_PARAMS = frozenset({"messages", "model", "response_format"})
# request options that do not change the answer, so they stay out of the cache key; `extra_query` and
# `extra_headers` can (Azure's api-version, a beta header) and go in with the provider
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
# headers that carry credentials: never part of a key (a rotated key must not empty the cache)
_SECRET_HEADERS = ("authorization", "api-key", "x-api-key", "cookie", "proxy-authorization")

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
    provider: dict[str, Any]  # where the request goes (see provider_identity)
    started: float

    @property
    def where(self) -> str:
        return f"{self.prompt.name}@{self.prompt.version}"

    @cached_property
    def key(self) -> str:
        """The response cache key: a SHA-256 of request_identity."""
        from promptgit.llm.cache import request_key

        try:
            return request_key(request_identity(self.prompt, self.request, self.provider))
        except TypeError as exc:
            raise ConfigError(f"{self.where}: {exc}") from None

    def answered(self, raw: object, seconds: float) -> dict[str, Any]:
        """The answer as the cache's value, checked; LLMCallError for an answer with no usable choice or
        an impossible usage (counted as `error`), OutputValidationError when it fails `output:`."""
        try:
            response = _as_dict(raw)
            text = answer_text(response)
            usage = response_usage(response) or estimated_usage(self.rendered, text, self.model)
        except (AnswerError, UsageError) as exc:
            raise self.failed(exc, seconds, field=exc.field) from None
        model = response.get("model") if isinstance(response.get("model"), str) else None
        model = model or self.model
        cost = self.prices.cost(model, usage)
        if cost is None and self.model != model:
            cost = self.prices.cost(self.model, usage)
        value = {
            "response": response,
            "usage": usage.as_dict(),
            "cost_usd": cost,
            "model": model,
            "finish_reason": finish_reason(response),
        }
        try:
            self.parsed(text)
        except OutputValidationError:
            self.count("invalid_output", seconds, usage, cost)
            raise
        self.count("ok", seconds, usage, cost)
        return value

    def failed(self, exc: Exception, seconds: float | None, *, field: str | None = None) -> LLMCallError:
        """The error to raise for a provider call that raised `exc` or answered nonsense (counted, logged)."""
        self.count("error", seconds, None, None)
        status = getattr(exc, "status_code", None)
        what = f"the {self.model or 'model'} call failed"
        detail = f"{type(exc).__name__}: {exc}" if field is None else f"the answer's {exc}"
        error = LLMCallError(
            f"{self.where}: {what}: {clip(detail)}",
            prompt=self.prompt.name,
            version=self.prompt.version,
            model=self.model,
            status_code=status if isinstance(status, int) else None,
            field=field,
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
        """The Completion of a value, fresh or from the cache. A hit spent nothing: its usage is zero and its
        cost 0.0, and the value's usage and cost are reported as saved (the hit is counted as `cached`)."""
        # a copy of the JSON tree: a memory:// cache hands out the stored value itself, and a caller that
        # edits its completion must not edit what the next caller gets
        response = _json_copy(value.get("response") or {})
        try:
            text = answer_text(response)
        except AnswerError as exc:  # an entry written by something else
            raise self.failed(exc, None, field=exc.field) from None
        try:
            output = self.parsed(text)
        except OutputValidationError:
            if cached:
                self.count("invalid_output", None, None, None)
            raise
        if cached:
            self.count("cached", None, None, None)
        cost = value.get("cost_usd")
        cost = float(cost) if isinstance(cost, (int, float)) and not isinstance(cost, bool) else None
        usage = Usage.from_dict(dict(value.get("usage") or {}))
        reason = value.get("finish_reason")
        prompt = self.prompt
        return Completion(
            text=text,
            output=output,
            response=response,
            usage=Usage() if cached else usage,
            cost_usd=0.0 if cached else cost,
            latency_seconds=time.perf_counter() - self.started,
            cached=cached,
            model=value.get("model") or self.model,
            name=prompt.name,
            version=prompt.version,
            commit=prompt.commit,
            blob_sha=prompt.blob_sha,
            cache_key=key,
            finish_reason=reason if isinstance(reason, str) else None,
            saved_usage=usage if cached else None,
            saved_cost_usd=cost if cached else None,
        )

    def cacheable(self, cache_if: CacheIf | None) -> Callable[[dict[str, Any]], bool]:
        """Whether a fresh value may be stored: never a truncated answer (`finish_reason` length or
        content_filter) or an empty one; then the caller's `cache_if(completion)`."""

        def decide(value: dict[str, Any]) -> bool:
            if value.get("finish_reason") in TRUNCATED:
                return False
            completion = self.completion(value, cached=False, key=self.key)
            if not completion.text.strip() and not _has_tool_calls(completion.response):
                return False
            return cache_if is None or bool(cache_if(completion))

        return decide

    def count(self, outcome: str, seconds: float | None, usage: Usage | None, cost: float | None) -> None:
        """One outcome of this call in the call path's series; usage and cost only for a provider call."""
        self.metrics.called(self.prompt.name, self.prompt.version, self.label, outcome, seconds, usage)
        if usage is not None:
            self.metrics.spent(self.prompt.name, self.label, cost)


def plan(
    prompt: Prompt,
    inputs: Mapping[str, Any],
    *,
    model: str | None,
    params: Mapping[str, Any] | None,
    prices: PriceTable,
    metrics: LLMMetrics,
    provider: dict[str, Any],
) -> CallPlan:
    """Render `prompt` with checked inputs and build the request: the prompt's model (or `model`), the
    prompt's params with the call's `params` on top, and its `output:` schema as response_format."""
    started = time.perf_counter()
    where = f"{prompt.name}@{prompt.version}"
    rendered = prompt.render(**_named(inputs, where))
    messages = [{"role": "user", "content": rendered}] if isinstance(rendered, str) else rendered
    _refuse_lone_surrogates(messages, where)
    chosen = model or prompt.model
    merged = request_params(prompt, params)
    request = {**({"model": chosen} if chosen else {}), "messages": messages, **merged}
    try:
        policy = cache_policy(prompt.metadata)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return CallPlan(
        prompt=prompt,
        rendered=rendered,
        request=request,
        model=chosen,
        schema=output_schema(prompt.metadata),
        policy=policy,
        prices=prices,
        metrics=metrics,
        label=model_label(chosen, prices),
        provider=provider,
        started=started,
    )


def request_params(prompt: Prompt, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """The request's parameters: the front matter's `params`, the call's on top. Neither may set the
    messages or the model; the call's may not set response_format, and `output:` wins over the front
    matter's `params.response_format` (PG213 warns about a prompt that has both)."""
    where = f"{prompt.name}@{prompt.version}"
    given = dict(params or {})
    for source, values, protected in (
        ("the prompt's params", prompt.params, PROTECTED_PARAMS - {"response_format"}),
        ("params=", given, PROTECTED_PARAMS),
    ):
        refused = sorted(str(name) for name in values if name in protected)
        if refused:
            raise ConfigError(
                f"{where}: {source} cannot set {', '.join(refused)}: the messages come from the template, "
                "the model from `model:` (or model=), the output format from `output:`"
            )
    merged = {**prompt.params, **given}
    if merged.get("stream"):
        raise ConfigError(f"{where}: complete() does not stream; remove `stream`")
    schema = output_schema(prompt.metadata)
    if schema is not None:
        merged["response_format"] = response_format(prompt.name, schema)
    return merged


def request_identity(
    prompt: Prompt, request: Mapping[str, Any], provider: Mapping[str, Any]
) -> dict[str, Any]:
    """Everything that can change the answer, as one JSON document: the release (name, version, blob sha),
    the messages, the model and the answer-changing parameters actually sent, and the provider with the
    request's own query and headers. The cache key is its hash; what is left out is in docs/llm.md."""
    params = {k: v for k, v in request.items() if k not in NOT_IN_KEY and k not in ("model", "messages")}
    headers = request.get("extra_headers")
    return {
        "prompt": prompt.name,
        "version": prompt.version,
        "blob_sha": prompt.blob_sha or "",
        "messages": request.get("messages"),
        "model": request.get("model"),
        "params": params,
        "provider": {
            **provider,
            "extra_query": dict(request.get("extra_query") or {}),
            "extra_headers": _without_secrets(headers) if isinstance(headers, Mapping) else {},
        },
    }


def provider_identity(client: Any, call: Callable[..., Any] | None, namespace: str | None) -> dict[str, Any]:
    """Where requests go, for the cache key: a client's base_url and default query (AzureOpenAI's
    api-version), a `call=` callable's qualified name, and the caller's explicit `namespace` if any."""
    found: dict[str, Any] = {}
    if client is not None:
        found["base_url"] = str(getattr(client, "base_url", "") or "")
        query = getattr(client, "default_query", None)
        found["query"] = {str(k): str(v) for k, v in query.items()} if isinstance(query, Mapping) else {}
    elif call is not None:
        module = getattr(call, "__module__", None) or type(call).__module__
        found["call"] = f"{module}.{getattr(call, '__qualname__', type(call).__qualname__)}"
    if namespace is not None:
        found["namespace"] = namespace
    return found


def _without_secrets(headers: Mapping[Any, Any]) -> dict[str, str]:
    return {
        str(name).lower(): str(value)
        for name, value in headers.items()
        if not any(secret in str(name).lower() for secret in _SECRET_HEADERS)
    }


def _named(inputs: Mapping[str, Any], where: str) -> dict[str, Any]:
    if not isinstance(inputs, Mapping):
        raise InputValidationError(
            f"{where}: inputs must be a mapping of names to values, not {type(inputs).__name__}"
        )
    wrong = [name for name in inputs if not isinstance(name, str)]
    if wrong:
        raise InputValidationError(f"{where}: input names must be strings, not {type(wrong[0]).__name__}")
    return dict(inputs)


def _refuse_lone_surrogates(messages: list[dict[str, str]], where: str) -> None:
    """A lone surrogate (half of a cut emoji: legal in JSON, not in UTF-8) cannot be sent to a provider;
    say so as an input error before the call rather than as the SDK's UnicodeEncodeError during it."""
    for number, message in enumerate(messages, 1):
        content = message.get("content")
        if not isinstance(content, str):
            continue
        try:
            content.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InputValidationError(
                f"{where}: message {number} holds a lone surrogate (U+{ord(content[exc.start]):04X}) at "
                f"character {exc.start}: an input carries half of a character"
            ) from None


def _has_tool_calls(response: Mapping[str, Any]) -> bool:
    choices = response.get("choices")
    message = (
        choices[0].get("message")
        if isinstance(choices, list) and choices and isinstance(choices[0], Mapping)
        else None
    )
    return isinstance(message, Mapping) and bool(message.get("tool_calls"))


def _as_dict(raw: object) -> dict[str, Any]:
    if isinstance(raw, Mapping):
        try:
            return dict(json.loads(json.dumps(raw)))  # plain JSON, as the cache stores it
        except (TypeError, ValueError) as exc:
            raise AnswerError("response", f"is not JSON data: {exc}") from None
    dump = getattr(raw, "model_dump", None)
    if callable(dump):
        dumped = dump(mode="json")
        if isinstance(dumped, dict):
            return dumped
    raise AnswerError(
        "response",
        f"is a {type(raw).__name__}, not a chat completion (a dict or an object with model_dump())",
    )


def _json_copy(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, scalars): a third of copy.deepcopy's time."""
    if isinstance(value, dict):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_copy(item) for item in value]
    return value
