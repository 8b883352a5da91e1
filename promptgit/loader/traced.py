"""get() inside a recording OpenTelemetry span: a child span `promptgit.get` naming what was resolved."""

from __future__ import annotations

from collections.abc import Callable

from promptgit.loader.loaded import LoadedPrompt
from promptgit.store.selectors import Selector, parse_selector
from promptgit.telemetry.tracing import prompt_attributes, start_span


def traced_get(
    get: Callable[[str | Selector], tuple[LoadedPrompt, str]], selector: str | Selector
) -> LoadedPrompt:
    """Run `get` (returning the prompt and its source: cache, git or fallback) in a span with the selector,
    the prompt's release attributes, the source and whether the resolution cache answered."""
    with start_span("promptgit.get", {"promptgit.selector": str(selector)}) as span:
        try:
            prompt, source = get(selector)
        except Exception as exc:
            span.set_attribute("error.type", type(exc).__name__)
            raise
        parsed = parse_selector(selector) if isinstance(selector, str) else selector
        span.set_attributes(prompt_attributes(prompt, parsed))
        span.set_attribute("promptgit.source", source)
        span.set_attribute("promptgit.cache.hit", source == "cache")
        return prompt
