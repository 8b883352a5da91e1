"""OpenTelemetry spans for get, render and complete, with the GenAI semantic conventions where they apply.

Nothing here imports opentelemetry. An application that set up tracing has imported `opentelemetry.trace`
(the SDK does), so `sys.modules` tells whether tracing can be on at all without importing anything.

- get and render make a span only inside a recording span (the application's request span, or complete's
  own): a warm render takes about 10 us, asking the SDK for a sampled-out root span costs a third of that,
  and a root span per render outside any trace is noise. Under a sampled-out parent the check is one
  context lookup (bench/tracing.py).
- complete makes its span whenever a tracer provider is set, as a root or a child: an LLM call takes
  milliseconds, and it is the GenAI operation the conventions describe (`{operation} {model}`, kind CLIENT).

Attributes: `gen_ai.prompt.name`, `promptgit.prompt.name`, `.version`, `.label`, `.commit`, `.blob_sha`,
`.variant`, `.origin`, `promptgit.selector`, `promptgit.source`, `promptgit.cache.hit` (get),
`promptgit.response_cache.hit` (complete), and the conventions' `gen_ai.*` on complete.
Errors: status ERROR and an exception event. Every attribute goes through bounds.py: text from peers (a
provider's model name or response id) is cut to MAX_ATTRIBUTE_CHARS, token counts are kept within int64.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from promptgit.observability.bounds import bounded_attribute, bounded_int

TRACER_NAME = "promptgit"
AttributeValue = str | bool | int | float | list[str]

_tracer: Any = None
_current_span: Callable[[], Any] | None = None


def recording() -> bool:
    """True when the current span records, so get and render make spans of their own (the hot path check)."""
    if "opentelemetry.trace" not in sys.modules:
        return False
    span = (_current_span or _bind_current_span())()
    return span is not None and bool(span.is_recording())


def _bind_current_span() -> Callable[[], Any]:
    """The current span, or None. Read from the context under the API's span key when it has one: a
    third of the cost of trace.get_current_span(), whose ABC isinstance check dominates an untraced get()."""
    global _current_span
    from opentelemetry import context, trace

    key = getattr(sys.modules.get("opentelemetry.trace.propagation"), "_SPAN_KEY", None)
    if isinstance(key, str):
        get_current = context.get_current

        def current_span() -> Any:
            return get_current().get(key)

    else:
        current_span = trace.get_current_span
    _current_span = current_span
    return current_span


def _get_tracer() -> Any:
    global _tracer
    if _tracer is None:
        from opentelemetry import trace  # imported by the application already when tracing is on

        from promptgit import __version__

        # a ProxyTracer until a provider is set, then the provider's: safe to keep for the process
        _tracer = trace.get_tracer(TRACER_NAME, __version__)
    return _tracer


def start_span(
    name: str, attributes: Mapping[str, AttributeValue], *, client: bool = False
) -> AbstractContextManager[Any]:
    """A current span named `name`; an exception leaving the block sets status ERROR and is recorded as an
    event. Call only when opentelemetry.trace is imported (`recording()` or `completion_span` checked)."""
    from opentelemetry.trace import SpanKind

    kind = SpanKind.CLIENT if client else SpanKind.INTERNAL
    bounded = {key: bounded_attribute(value) for key, value in attributes.items()}
    return _get_tracer().start_as_current_span(name, kind=kind, attributes=bounded)


def prompt_attributes(prompt: Any, selector: Any = None) -> dict[str, AttributeValue]:
    """The `promptgit.*` attributes of a prompt (name, version, commit, blob sha, variant, origin) and the
    conventions' `gen_ai.prompt.name`, and of the selector it was got with (`promptgit.selector`; `.label`
    when the selector names a label)."""
    attributes: dict[str, AttributeValue] = {
        "gen_ai.prompt.name": str(prompt.name),  # the conventions' (experimental) prompt identifier
        "promptgit.prompt.name": str(prompt.name),
        "promptgit.prompt.version": str(prompt.version),
    }
    for key in ("commit", "blob_sha", "variant", "origin", "label"):
        value = getattr(prompt, key, None)
        if value:
            attributes[f"promptgit.prompt.{key}"] = str(value)
    if selector is not None:
        attributes["promptgit.selector"] = str(selector)
        if getattr(selector, "kind", None) == "label" and selector.spec:
            attributes["promptgit.prompt.label"] = str(selector.spec)
    return attributes


def annotate(prompt: Any, span: Any = None, *, selector: Any = None) -> None:
    """Stamp `prompt`'s attributes on `span` (default: the current span): for applications that call the
    LLM themselves, so their own span names the exact release. A no-op without OpenTelemetry."""
    if span is None:
        trace = sys.modules.get("opentelemetry.trace")
        if trace is None:
            return
        span = trace.get_current_span()
    if span.is_recording():
        span.set_attributes(_bounded(prompt_attributes(prompt, selector)))


def trace_ids() -> tuple[str, str] | None:
    """(trace_id, span_id) in hex of the current span, None when there is none (or no OpenTelemetry)."""
    trace = sys.modules.get("opentelemetry.trace")
    if trace is None:
        return None
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


class CompletionSpan:
    """What complete() learns after the call starts, written on its span (a no-op when nothing records)."""

    def __init__(self, span: Any = None) -> None:
        self._span = span if span is not None and span.is_recording() else None

    @property
    def recording(self) -> bool:
        return self._span is not None

    def set(self, key: str, value: AttributeValue) -> None:
        """One attribute, bounded (bounds.py); for attributes the methods below do not name."""
        if self._span is not None:
            self._span.set_attribute(key, bounded_attribute(value))

    def cache(self, hit: bool) -> None:
        self.set("promptgit.response_cache.hit", hit)

    def usage(self, input_tokens: int, output_tokens: int, cached_tokens: int | None = None) -> None:
        if self._span is not None:
            self.set("gen_ai.usage.input_tokens", bounded_int(input_tokens))
            self.set("gen_ai.usage.output_tokens", bounded_int(output_tokens))
            if cached_tokens:
                self.set("gen_ai.usage.cache_read.input_tokens", bounded_int(cached_tokens))

    def response(
        self,
        model: str | None = None,
        response_id: str | None = None,
        finish_reasons: list[str] | None = None,
    ) -> None:
        if self._span is None:
            return
        if model:
            self.set("gen_ai.response.model", str(model))
        if response_id:
            self.set("gen_ai.response.id", str(response_id))
        if finish_reasons:
            self.set("gen_ai.response.finish_reasons", [str(reason) for reason in finish_reasons])

    def cost(self, usd: float) -> None:
        self.set("promptgit.cost_usd", float(usd))

    def error(self, error_type: str) -> None:
        """A failure complete() handles itself (an invalid output, say) rather than raising."""
        if self._span is not None:
            from opentelemetry.trace import Status, StatusCode

            self.set("error.type", error_type)
            self._span.set_status(Status(StatusCode.ERROR, bounded_attribute(error_type)))


_REQUEST_PARAMS = {
    "temperature": "gen_ai.request.temperature",
    "top_p": "gen_ai.request.top_p",
    "max_tokens": "gen_ai.request.max_tokens",
    "seed": "gen_ai.request.seed",
    "frequency_penalty": "gen_ai.request.frequency_penalty",
    "presence_penalty": "gen_ai.request.presence_penalty",
}


@contextmanager
def completion_span(
    prompt: Any,
    model: str | None,
    *,
    selector: Any = None,
    provider: str = "openai",
    operation: str = "chat",
    params: Mapping[str, Any] | None = None,
) -> Iterator[CompletionSpan]:
    """The span of one LLM call, `{operation} {model}` of kind CLIENT with the GenAI conventions'
    attributes and the prompt's; yields a CompletionSpan to record cache, usage and response on."""
    if "opentelemetry.trace" not in sys.modules:
        yield CompletionSpan()
        return
    attributes: dict[str, AttributeValue] = {
        "gen_ai.operation.name": operation,
        "gen_ai.provider.name": provider,
        **prompt_attributes(prompt, selector),
    }
    if model:
        attributes["gen_ai.request.model"] = model
    for key, value in (params or {}).items():
        name = _REQUEST_PARAMS.get(key)
        if name is not None and isinstance(value, int | float) and not isinstance(value, bool):
            attributes[name] = value
    with start_span(f"{operation} {model}" if model else operation, attributes, client=True) as span:
        yield CompletionSpan(span)


def _bounded(attributes: Mapping[str, AttributeValue]) -> dict[str, Any]:
    return {key: bounded_attribute(value) for key, value in attributes.items()}


def call_span(
    prompt: Any, model: str | None, params: Mapping[str, Any] | None
) -> AbstractContextManager[CompletionSpan]:
    """`chat {model}` around one complete()'s render, cache lookup and provider call (a no-op without
    OpenTelemetry); `model` and `params` are the call's, over the prompt's own."""
    return completion_span(prompt, model or prompt.model, params={**prompt.params, **(params or {})})


def recorded(span: CompletionSpan, completion: Any) -> Any:
    """Write what a call returned (a Completion) on its span: cache hit, usage, response model and id,
    cost; returns the completion."""
    if not span.recording:
        return completion
    if completion.cache_key is not None:
        span.cache(completion.cached)
    response = completion.response if isinstance(completion.response, Mapping) else {}
    choices = response.get("choices")
    choices = choices if isinstance(choices, list) else []
    reasons = [
        str(c["finish_reason"]) for c in choices[:16] if isinstance(c, dict) and c.get("finish_reason")
    ]
    if completion.cached:
        # a hit spends nothing: the original call's usage, cost and response id would count it twice in
        # a trace backend that sums them; what it saved has names of its own
        saved = completion.saved_usage
        span.set(
            "promptgit.response_cache.saved_tokens", bounded_int(saved.input_tokens + saved.output_tokens)
        )
        if completion.saved_cost_usd is not None:
            span.set("promptgit.response_cache.saved_cost_usd", float(completion.saved_cost_usd))
        span.response(completion.model, None, reasons)
        return completion
    usage = completion.usage
    span.usage(usage.input_tokens, usage.output_tokens, usage.cached_tokens)
    response_id = response.get("id")
    span.response(completion.model, str(response_id) if response_id else None, reasons)
    if completion.cost_usd is not None:
        span.cost(completion.cost_usd)
    return completion


def traced_get(
    get: Callable[[Any], tuple[Any, str]], selector: Any, parse: Callable[[str], Any] | None = None
) -> Any:
    """Run `get` (returning the prompt and its source: cache, git or fallback) in a span `promptgit.get`
    with the selector (parsed by `parse` when it is a string, for its label), the prompt's release
    attributes, the source and whether the resolution cache answered. Call only when `recording()`."""
    with start_span("promptgit.get", {"promptgit.selector": str(selector)}) as span:
        try:
            prompt, source = get(selector)
        except Exception as exc:
            span.set_attribute("error.type", type(exc).__name__)
            raise
        parsed = parse(selector) if isinstance(selector, str) and parse is not None else selector
        span.set_attributes(_bounded(prompt_attributes(prompt, parsed)))
        span.set_attribute("promptgit.source", source)
        span.set_attribute("promptgit.cache.hit", source == "cache")
        return prompt
