"""The application's fallback templates: used only when a prompt cannot be had from git at all.

A fallback checks its inputs like any prompt: undeclared names are refused, so a bare body (no front
matter, nothing declared) renders only without inputs.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping

from promptgit.format.frontmatter import FENCE, FrontMatter
from promptgit.format.prompt import PromptDocument, compile_document, parse_document
from promptgit.format.templating import make_environment
from promptgit.loader.loaded import LoadedPrompt
from promptgit.observability.loader_series import LoaderMetrics

FALLBACK_VERSION = "fallback"
# the metric label of names no prompt of the repository has: callers choose names, and 20,000 attacker
# names must not make 20,000 series (or 20,000 compiled copies of one fallback text)
UNKNOWN = "_unknown"


class Fallbacks:
    """Compiles fallback texts lazily, once per prompt name; each use counts as a fallback."""

    def __init__(
        self,
        source: str | Mapping[str, str] | None,
        metrics: LoaderMetrics,
        max_render_chars: int | None = None,
    ) -> None:
        self.source = source
        self.max_render_chars = max_render_chars
        self.metrics = metrics
        self._compiled: dict[str, LoadedPrompt] = {}
        self._lock = threading.Lock()
        # a broken fallback is a configuration error: report it at start-up, not during an outage
        texts = {UNKNOWN: source} if isinstance(source, str) else dict(source or {})
        for name, text in texts.items():
            self._compiled[name] = self._compile(name, text)

    def text_for(self, name: str) -> str | None:
        if self.source is None:
            return None
        if isinstance(self.source, str):
            return self.source
        return self.source.get(name)

    def get(self, name: str, known: bool = True) -> LoadedPrompt | None:
        """The fallback prompt for `name`, or None; PromptSyntaxError if the fallback itself is broken.

        `known`: whether `name` is a prompt of the repository. A name that is not, served by the one
        fallback text for every prompt, is compiled once and counted as prompt="_unknown".
        """
        text = self.text_for(name)
        if text is None:
            return None
        series = name if known or not isinstance(self.source, str) else UNKNOWN
        with self._lock:
            prompt = self._compiled.get(series)
            if prompt is None:
                prompt = self._compile(series, text)
                self._compiled[series] = prompt
        self.metrics.fallbacks.labels(prompt=series, kind="template").inc()
        return prompt if prompt.name == name else dataclasses.replace(prompt, name=name)

    def _compile(self, name: str, text: str) -> LoadedPrompt:
        path = f"<fallback for {name}>"
        if text.lstrip("\ufeff").startswith(FENCE):
            document = parse_document(name, path, text)
            if "version" not in document.metadata:
                document.metadata["version"] = FALLBACK_VERSION
        else:
            document = PromptDocument(name, path, FrontMatter({"version": FALLBACK_VERSION}, text, 1))
        # inputs are checked as for any prompt (strict): a fallback that declares none takes none, since an
        # unchecked value would be rendered (and sent to a model) unbounded; one that needs inputs declares
        # them in its front matter (docs/loader.md)
        prompt = compile_document(document, make_environment(lambda relative: None))
        return LoadedPrompt.wrap(prompt, self.metrics, "fallback", max_render_chars=self.max_render_chars)
