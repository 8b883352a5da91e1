"""A Prompt handed out by the loader: the same rendering, plus latency, count, token and error metrics."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from promptgit.errors import InputValidationError, PromptgitError, RenderError
from promptgit.format.prompt import Prompt
from promptgit.format.templating import Rendered
from promptgit.observability.loader_series import LoaderMetrics
from promptgit.observability.tracing import prompt_attributes, recording, start_span

log = logging.getLogger("promptgit.loader")
# Repository's max_render_chars: a million characters (~250k tokens) is over every model's context window
# today, and keeps one render to a few MB of memory
DEFAULT_MAX_RENDER_CHARS = 1_000_000


def _characters(rendered: Rendered) -> int:
    return len(rendered) if isinstance(rendered, str) else sum(len(m["content"]) for m in rendered)


class _RenderMetrics:
    """The metrics of one prompt version, bound once so a render does no label lookups and takes one lock.

    Rendered tokens: promptgit.tokens.count calibrates tokens per character on one render, then counts
    again on every `count_tokens_every`-th; renders in between are estimated from their length with the
    tokens per character of the counted ones (a count costs about three small renders; 1 counts every
    render). The first render's count is settled later, by the next render or the next scrape, so a cold
    process's first answer does not wait for the token machinery (its import and model table).
    """

    def __init__(
        self, metrics: LoaderMetrics, name: str, version: str, model: str | None, count_tokens_every: int
    ) -> None:
        self.metrics = metrics
        self.name = name
        self.version = version
        self.model = model
        self.series = metrics.renders.series(name, version)
        self.count_every = max(1, count_tokens_every)
        self._until_count = 0
        self._counted_tokens = 0
        self._counted_characters = 0
        self._tokens_per_character = 0.0
        self._unsettled: Rendered | None = None
        self._settle_lock = threading.Lock()

    def rendered(self, rendered: Rendered, seconds: float) -> None:
        if not self._counted_characters:
            with self._settle_lock:
                first = not self._counted_characters and self._unsettled is None
                if first:
                    self._unsettled = rendered
            if first:
                self.series.rendered(seconds, 0)
                self.series.owe(self.settle)
                return
            self.settle()
        # unlocked on purpose: a lost update between threads only shifts which render gets counted
        self._until_count -= 1
        if self._until_count < 0:
            tokens = self._count(rendered)
        else:
            tokens = round(_characters(rendered) * self._tokens_per_character)
        self.series.rendered(seconds, tokens)

    def settle(self) -> None:
        """Count the first render's tokens, if that is still owed, and add them to the series."""
        with self._settle_lock:
            sample, self._unsettled = self._unsettled, None
            if sample is not None:
                self.series.add_tokens(self._count(sample))

    def _count(self, rendered: Rendered) -> int:
        from promptgit.tokens import count  # on first use: import promptgit stays light

        tokens = count(rendered, self.model).tokens
        self._counted_tokens += tokens
        self._counted_characters += _characters(rendered)
        if self._counted_characters:
            self._tokens_per_character = self._counted_tokens / self._counted_characters
        self._until_count = self.count_every - 1
        return tokens

    def failed(self, reason: str, seconds: float) -> None:
        self.series.failed(seconds)
        self.metrics.render_errors.labels(prompt=self.name, version=self.version, reason=reason).inc()


def error_reason(exc: BaseException) -> str:
    """The `reason` label of a failed render: invalid_inputs, undefined, unsafe, template, chat or
    too_large (over max_render_chars)."""
    if isinstance(exc, InputValidationError):
        return "invalid_inputs"
    if isinstance(exc, RenderError):
        return "chat" if exc.reason in RenderError.CHAT_REASONS else exc.reason
    return "template"  # an error raised by template code itself (a division by zero, ...)


@dataclass
class LoadedPrompt(Prompt):
    """A Prompt from `Repository.get`: `render(**inputs)` also records metrics and logs failures.

    `origin` is `git` (a commit or release), `worktree`, or `fallback` (the application's fallback template).
    `label` is the label it was got by (`production`), None for other selectors; when the label's traffic
    split picked it (docs/experiments.md), `variant` is the version assigned (the same as `version`),
    None otherwise.
    """

    origin: str = "git"
    label: str | None = None
    variant: str | None = None
    _metrics: _RenderMetrics | None = field(default=None, repr=False, compare=False)

    @classmethod
    def wrap(
        cls,
        prompt: Prompt,
        metrics: LoaderMetrics,
        origin: str,
        count_tokens_every: int = 1,
        max_render_chars: int | None = None,
    ) -> LoadedPrompt:
        values = {f.name: getattr(prompt, f.name) for f in dataclasses.fields(Prompt)}
        values["max_render_chars"] = max_render_chars
        observed = _RenderMetrics(metrics, prompt.name, prompt.version, prompt.model, count_tokens_every)
        return cls(**values, origin=origin, _metrics=observed)

    def render(self, **inputs: Any) -> Rendered:
        """Validate `inputs` and render: str for text, [{role, content}] for chat; errors name the prompt.

        Inside a recording OpenTelemetry span, the render is a child span `promptgit.render` (see
        promptgit.observability.tracing)."""
        if recording():
            return self._traced_render(inputs)
        return self._observed_render(inputs)

    def _traced_render(self, inputs: dict[str, Any]) -> Rendered:
        with start_span("promptgit.render", prompt_attributes(self)) as span:
            try:
                return self._observed_render(inputs)
            except Exception as exc:
                span.set_attribute("error.type", type(exc).__name__)
                span.set_attribute("promptgit.render.error_reason", error_reason(exc))
                raise

    def _observed_render(self, inputs: dict[str, Any]) -> Rendered:
        start = time.perf_counter()
        try:
            rendered = self._render(inputs)
        except PromptgitError as exc:
            self._failed(exc, start)
            raise
        except Exception as exc:  # an error raised by template code itself, e.g. a division by zero
            error = RenderError(f"{self.name}@{self.version}: {type(exc).__name__}: {exc}")
            self._failed(exc, start)
            raise error from exc
        if self._metrics is not None:
            self._metrics.rendered(rendered, time.perf_counter() - start)
        return rendered

    def _failed(self, exc: BaseException, start: float) -> None:
        reason = error_reason(exc)
        if self._metrics is not None:
            self._metrics.failed(reason, time.perf_counter() - start)
        log.warning(
            "render failed: %s",
            exc,
            extra={
                "prompt": self.name,
                "version": self.version,
                "label": self.label,
                "reason": reason,
                "source": self.origin,
            },
        )
