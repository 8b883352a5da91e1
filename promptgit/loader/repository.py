"""`Repository`: prompts loaded at run time from git objects, cached, rendered with metrics.

    repo = Repository("/srv/prompts")                 # or Repository.clone(url, cache_dir=...)
    prompt = repo.get("content/hook@production")
    messages = prompt.render(topic="sourdough")

Two caches (see DESIGN.md): selector -> prompt with a TTL (labels, ranges, latest; exact versions never
expire), served stale while one background refresh runs and kept as last-known-good when git fails; and
compiled templates keyed by blob sha, LRU-bounded. One Repository is safe to share between threads.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from collections.abc import Iterable, Mapping
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptgit.errors import GitError, LabelTagMissingError, PromptgitError, SelectorError
from promptgit.loader.bookkeeping import Bookkeeping
from promptgit.loader.caches import Clock, Freshness, LRUCache, TTLCache, unreachable
from promptgit.loader.compiler import Compiler
from promptgit.loader.diskcache import COMPILED_DIR, CompiledCache
from promptgit.loader.fallbacks import Fallbacks
from promptgit.loader.loaded import DEFAULT_MAX_RENDER_CHARS, LoadedPrompt
from promptgit.loader.metrics import LoaderMetrics, loader_metrics
from promptgit.loader.outcomes import PromptRef
from promptgit.loader.refs import config_at_ref, known_selectors, resolve_ref
from promptgit.loader.remote import Mirror, open_mirror
from promptgit.loader.traced import traced_get
from promptgit.loader.variants import Variants, resolve_split
from promptgit.store.gitstore import GitStore
from promptgit.store.selectors import Selector, parse_selector
from promptgit.store.splits import Split
from promptgit.telemetry.tracing import recording

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry


@lru_cache(maxsize=4096)
def _parse(text: str) -> tuple[Selector, str]:
    """A selector and its canonical text (the resolution cache key), parsed once per distinct string."""
    selector = parse_selector(text)
    return selector, str(selector)


FallbackSource = str | Mapping[str, str]


class Repository:
    """Prompts of one git repository at one ref, for applications. Thread-safe; never writes to git.

    - `path`: a repository (working tree or bare); `ref`: where labels are read (default HEAD).
    - `cache_ttl`: seconds a resolved label, range or latest selector is served before it is refreshed in
      the background; exact versions never expire.
    - `registry`: the Prometheus registry for the metrics (default: prometheus_client's global one).
    - `clock`: monotonic seconds, injectable for tests; `logger`: where structured logs go.
    - `fallback`: prompt text used only when a prompt cannot be had at all: one text for every prompt, or
      {name: text}. The text is a prompt file (front matter + body) or a bare Jinja body.
    - `max_templates`: how many compiled templates the LRU keeps.
    - `count_tokens_every`: rendered tokens are counted with promptgit.tokens on the first and then every
      N-th render of a prompt version, and estimated from length in between (1: count every render; a
      count costs about three small renders, so the default adds about 2-3% to a render).
    - `cache_dir`: keep compiled prompts on disk under `cache_dir/compiled-v1`, keyed by content, so a new
      process skips the front matter parse and Jinja compilation of prompts an earlier one compiled
      (see loader/diskcache.py). Default: none (Repository.clone uses its mirror directory).
    - `max_render_chars`: most characters per render; past it, RenderError `too_large`. None: no limit.
    Raises GitError when `path` is not a readable git repository.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        ref: str = "HEAD",
        *,
        cache_ttl: float = 60.0,
        registry: CollectorRegistry | None = None,
        clock: Clock | None = None,
        fallback: FallbackSource | None = None,
        max_templates: int = 512,
        count_tokens_every: int = 128,
        logger: logging.Logger | None = None,
        prompts_dir: str | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        max_render_chars: int | None = DEFAULT_MAX_RENDER_CHARS,
        _mirror: Mirror | None = None,
    ) -> None:
        self.ref = ref
        self.cache_ttl = cache_ttl
        self._clock = clock or time.monotonic
        self._metrics: LoaderMetrics = loader_metrics(registry)
        self._books = Bookkeeping(self._metrics, logger or logging.getLogger("promptgit.loader"))
        self._mirror = _mirror
        self._store = GitStore(Path(path), prompts_dir or "prompts")
        config = config_at_ref(self._store, ref)
        if (prompts_dir or config.prompts_dir) != self._store.prompts_dir:
            self._store.close()
            self._store = GitStore(Path(path), config.prompts_dir)
        rejected = self._metrics.disk_rejected
        disk = CompiledCache(Path(cache_dir) / COMPILED_DIR, rejected) if cache_dir is not None else None
        self._compiler = Compiler(
            self._store,
            self._metrics,
            LRUCache(max_templates),
            count_tokens_every,
            config.max_file_bytes,
            disk,
            max_render_chars,
        )
        self._resolved: TTLCache[str, LoadedPrompt | Variants] = TTLCache(
            cache_ttl, self._clock, self._refresh_failed, keeps_last_known_good=unreachable
        )
        self._fallbacks = Fallbacks(fallback, self._metrics, max_render_chars)
        self._labelled_prompts: LRUCache[tuple[str, ...], LoadedPrompt] = LRUCache(max_templates)
        self._sync_lock = threading.Lock()
        self._synced_at: float | None = self._clock()
        self._commit = resolve_ref(self._store, self.ref)
        self._metrics.cache_entries.track(self)
        self._metrics.commits.track(self)

    @classmethod
    def clone(
        cls, url: str, cache_dir: str | os.PathLike[str] | None = None, ref: str = "HEAD", **options: Any
    ) -> Repository:
        """A Repository over a local bare mirror of `url`, fetched again whenever the cache refreshes.

        `cache_dir` defaults to $XDG_CACHE_HOME/promptgit/mirrors (~/.cache/...). Compiled prompts are kept
        on disk inside the mirror directory (see Repository's `cache_dir`). Other options as for
        Repository(). Raises GitError when there is no mirror yet and the remote cannot be
        cloned; with a mirror from an earlier run, a failed fetch is counted and logged and the mirror is
        used as it is.
        """
        mirror, failure = open_mirror(url, cache_dir)
        options["cache_dir"] = mirror.path  # compiled prompts on disk, inside the mirror
        repository = cls(mirror.path, ref, _mirror=mirror, **options)
        if failure is not None:
            repository._books.failure(failure, {"remote": url})
        return repository

    # --- public API ---------------------------------------------------------------------------------
    def get(self, selector: str | Selector, key: str | int | None = None) -> LoadedPrompt:
        """The prompt `selector` names: `name`, `name@1.2.3`, `name@^1.2`, `name@production`, `name@worktree`.

        When the label splits traffic between versions (docs/experiments.md), `key` (a user or session id)
        picks one: the same key always gets the same version; without a key, each call picks by weight.
        The prompt's `label` and `variant` say what was picked. `key` is ignored for other selectors.
        Raises PromptNotFoundError (no such prompt, release or label) or GitError when it cannot be read
        and there is neither a cached copy nor a fallback; SelectorError for a malformed selector.
        Inside a recording OpenTelemetry span, the get is a child span `promptgit.get`.
        """
        if recording():
            return traced_get(lambda chosen: self._get(chosen, key), selector)
        return self._get(selector, key)[0]

    def _get(self, selector: str | Selector, key: str | int | None) -> tuple[LoadedPrompt, str]:
        start = time.perf_counter()
        if isinstance(selector, str):
            # the hot path: a selector written canonically is its own cache key (parsing is idempotent)
            cached = self._resolved.fresh(selector)
            if cached is not None:
                prompt = cached.pick(key) if isinstance(cached, Variants) else cached
                self._books.fresh_hit(selector, prompt, start)
                return prompt, "cache"
            parsed, text = _parse(selector)
        elif isinstance(selector, Selector):
            parsed, text = selector, str(selector)
        else:
            raise SelectorError(f"a selector is a string like 'content/hook@production', not {selector!r}")
        cached = self._resolved.fresh(text)
        if cached is not None:
            prompt = cached.pick(key) if isinstance(cached, Variants) else cached
            self._books.fresh_hit(text, prompt, start)
            return prompt, "cache"
        if parsed.kind == "worktree":
            try:
                prompt = self._compiler.worktree(parsed.name)
            except PromptgitError as exc:
                return self._fallback_or_raise(parsed, text, exc, start)
            self._books.loaded(text, prompt, "git", start)
            return prompt, "git"
        try:
            resolved, freshness = self._resolved.get(
                text, lambda: self._resolve(parsed), expires=parsed.kind != "exact"
            )
        except PromptgitError as exc:
            self._books.lookup(parsed.name, Freshness.MISS)
            if isinstance(exc, LabelTagMissingError):
                self._books.tag_missing(exc, self._clock())
            if isinstance(exc, GitError):
                self._books.failure(exc, {"selector": text, "prompt": parsed.name})
            return self._fallback_or_raise(parsed, text, exc, start)
        prompt = resolved.pick(key) if isinstance(resolved, Variants) else resolved
        self._books.lookup(parsed.name, freshness)
        source = "git" if freshness is Freshness.MISS else "cache"
        self._books.loaded(text, prompt, source, start)
        return prompt, source

    def record_outcome(self, prompt: PromptRef, outcome: str, value: float | None = None) -> None:
        """Record what happened with a render of `prompt` (a prompt from get(), or (name, version) as an
        llm Completion carries them): `promptgit_outcomes_total{prompt, version, outcome}`, and with a
        numeric `value` its sum and count. See loader/outcomes.py for the bounds on outcome names."""
        self._metrics.outcomes.record(prompt, outcome, value)

    def get_many(self, selectors: Iterable[str | Selector]) -> dict[str, LoadedPrompt]:
        """`{selector text: prompt}` for each selector; the first failure is raised."""
        return {str(selector): self.get(selector) for selector in selectors}

    def prefetch(self, selectors: Iterable[str | Selector] | None = None) -> list[str]:
        """Load prompts before traffic arrives; returns the selectors loaded.

        Without `selectors`: the latest release of every prompt at `ref` that has one, and every
        label entry in labels.yaml at `ref`. Errors are raised: a service should fail at start-up.
        """
        if selectors is None:
            selectors = known_selectors(self._store, self.ref)
        return list(self.get_many(selectors))

    def refresh(self) -> None:
        """Treat every label, range and latest as expired now: the next get() of each serves the cached
        prompt and refreshes it in the background, fetching the mirror and re-reading refs first."""
        with self._sync_lock:
            self._synced_at = None
        self._resolved.expire_all()

    def wait_for_refreshes(self, timeout: float | None = None) -> bool:
        """Block until running background refreshes finish (for tests, benchmarks and shutdown)."""
        return self._resolved.wait_for_refreshes(timeout)

    def stats(self) -> dict[str, Any]:
        """Cheap counters of this Repository: hits, misses, hit_rate, entries by layer, and more."""
        templates = {"template_hits": self._compiler.hits, "template_misses": self._compiler.misses}
        return self._books.stats(dict(self.cache_sizes())) | templates

    def served_commit(self) -> str | None:
        """The commit `ref` resolved to at the last refresh (None if it could not be read)."""
        return self._commit

    def cache_sizes(self) -> Mapping[str, int]:
        return {"template": len(self._compiler.templates), "resolution": len(self._resolved)}

    def close(self) -> None:
        """Wait briefly for background refreshes, then stop git's helper processes."""
        self._resolved.wait_for_refreshes(5)
        self._store.close()

    def __enter__(self) -> Repository:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Repository({str(self._store.root)!r}, ref={self.ref!r})"

    # --- resolution ---------------------------------------------------------------------------------
    def _resolve(self, selector: Selector) -> LoadedPrompt | Variants:
        """Selector -> release -> blob at the tagged commit -> compiled prompt (on misses and refreshes);
        a label that splits traffic -> the Variants of its versions."""
        self._sync()
        if selector.kind == "label" and selector.spec is not None:
            entry = self._store.label_entry(selector, self.ref)
            if isinstance(entry, Split):
                release = partial(self._release, selector.name)
                return resolve_split(selector.spec, selector.name, entry, release, self._metrics)
        version = self._store.resolve_version(selector, self.ref)
        if selector.kind in ("exact", "label"):  # the bare name and ranges skip yanked releases already
            reason = self._store.yank_reason(selector.name, version, self.ref)
            if reason is not None:
                self._books.yanked_pin(str(selector), selector.name, version, reason)
        prompt = self._release(selector.name, version)
        if selector.kind == "label" and selector.spec is not None:  # `label` says how it was got (spans)
            return self._labelled(prompt, selector.spec)
        return prompt

    def _labelled(self, prompt: LoadedPrompt, label: str) -> LoadedPrompt:
        """`prompt` with `label` set: one object per (label, release), so a refresh that finds the same
        release hands back the very object it replaces (as exact versions do)."""
        key = (label, prompt.name, prompt.version, prompt.commit or "", prompt.blob_sha or "")
        found = self._labelled_prompts.get(key)
        if found is None:
            found = dataclasses.replace(prompt, label=label)
            self._labelled_prompts.put(key, found)
        return found

    def _release(self, name: str, version: str) -> LoadedPrompt:
        return self._compiler.release(name, version, self._store.release_commit(name, version))

    def _sync(self) -> None:
        """Fetch the mirror and forget cached refs, at most once per second (or per TTL, if shorter)."""
        with self._sync_lock:
            now = self._clock()
            if self._synced_at is not None and now - self._synced_at < min(self.cache_ttl, 1.0):
                return
            if self._mirror is not None:
                try:
                    self._mirror.fetch()
                except GitError as exc:  # the mirror still has the last fetched state: resolve from it
                    self._books.failure(exc, {"remote": self._mirror.url})
            self._store.refresh()
            self._commit = resolve_ref(self._store, self.ref) or self._commit
            self._synced_at = now

    def _fallback_or_raise(
        self, selector: Selector, key: str, exc: PromptgitError, start: float
    ) -> tuple[LoadedPrompt, str]:
        fallback = self._fallbacks.get(selector.name, known=selector.name in self._books.known_names)
        if fallback is None:
            raise exc
        self._books.fallback(selector.name, key, exc)
        self._books.loaded(key, fallback, "fallback", start)
        return fallback, "fallback"

    def _refresh_failed(self, key: str, exc: Exception) -> None:
        if isinstance(exc, LabelTagMissingError):  # not a git failure: an inconsistent labels file
            self._books.tag_missing(exc, self._clock())
            return
        self._books.failure(exc, {"selector": key, "prompt": key.partition("@")[0]})
