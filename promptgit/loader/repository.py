"""`Repository`: prompts loaded at run time from git objects, cached, rendered with metrics.

    repo = Repository("/srv/prompts")                 # or Repository.clone(url, cache_dir=...)
    prompt = repo.get("content/hook@production")
    messages = prompt.render(topic="sourdough")

Two caches (see DESIGN.md): selector -> prompt with a TTL (labels, ranges, latest; exact versions never
expire), served stale while one background refresh runs and kept as last-known-good when git fails; and
compiled templates keyed by blob sha, LRU-bounded. One Repository is safe to share between threads.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptgit.config import CONFIG_FILE, Config, parse_config
from promptgit.errors import (
    GitError,
    LabelTagMissingError,
    PromptgitError,
    PromptNotFoundError,
    SelectorError,
    did_you_mean,
)
from promptgit.loader.bookkeeping import Bookkeeping
from promptgit.loader.caches import Clock, Freshness, LRUCache, TTLCache, unreachable
from promptgit.loader.compiler import Compiler, TemplateKey
from promptgit.loader.diskcache import COMPILED_DIR, CompiledCache
from promptgit.loader.fallbacks import Fallbacks
from promptgit.loader.loaded import DEFAULT_MAX_RENDER_CHARS, LoadedPrompt
from promptgit.loader.remote import Mirror, open_mirror
from promptgit.loader.variants import Variants, resolve_split
from promptgit.observability.loader_series import LoaderMetrics
from promptgit.observability.outcome_series import PromptRef
from promptgit.observability.registry import loader_metrics
from promptgit.observability.tracing import recording, traced_get
from promptgit.sources.commit import CommitSource
from promptgit.sources.source import PromptSource
from promptgit.sources.worktree import WorktreeSource
from promptgit.store.gitstore import GitStore
from promptgit.store.selectors import Selector, parse_selector
from promptgit.store.traffic_split import Split

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry


@lru_cache(maxsize=4096)
def _parse(text: str) -> tuple[Selector, str]:
    """A selector and its canonical text (the resolution cache key), parsed once per distinct string."""
    selector = parse_selector(text)
    return selector, str(selector)


FallbackSource = str | Mapping[str, str]
# the cache bounds before they are sized from the library (see Repository's max_templates)
DEFAULT_MAX_TEMPLATES = 512
DEFAULT_MAX_SELECTORS = 4096


class Repository:
    """Prompts of one git repository at one ref, for applications. Thread-safe; never writes to git.

    - `path`: a repository (working tree or bare); `ref`: where labels are read (default HEAD).
    - `cache_ttl`: seconds a resolved label, range or latest selector is served before it is refreshed in
      the background; exact versions never expire.
    - `registry`: the Prometheus registry for the metrics (default: prometheus_client's global one).
    - `clock`: monotonic seconds, injectable for tests; `logger`: where structured logs go.
    - `fallback`: prompt text used only when a prompt cannot be had at all: one text for every prompt, or
      {name: text}. The text is a prompt file (front matter + body) or a bare Jinja body.
    - `max_templates`: how many compiled templates the LRU keeps; `max_selectors`: how many resolved
      selectors. None (the default): DEFAULT_MAX_TEMPLATES and DEFAULT_MAX_SELECTORS, raised when the
      cache is first full to what the library at `ref` needs (twice, for templates, or four times, for
      selectors, its prompts and label entries), so cycling through a library larger than the defaults
      does not make every get() cold again (docs/loader.md: the cliff). A number is a fixed bound.
      `stats()` reports both bounds and the evictions.
    - `count_tokens_every`: rendered tokens are counted with promptgit.tokens on the first and then every
      N-th render of a prompt version, and estimated from length in between (1: count every render; a
      count costs a few small renders, so the default adds little to a render: see bench/loader.py).
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
        max_templates: int | None = None,
        max_selectors: int | None = None,
        count_tokens_every: int = 128,
        logger: logging.Logger | None = None,
        prompts_dir: str | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        max_render_chars: int | None = DEFAULT_MAX_RENDER_CHARS,
        _mirror: Mirror | None = None,
        _store: GitStore | None = None,
    ) -> None:
        self.ref = ref
        self.cache_ttl = cache_ttl
        self._clock = clock or time.monotonic
        self._metrics: LoaderMetrics = loader_metrics(registry)
        self._books = Bookkeeping(self._metrics, logger or logging.getLogger("promptgit.loader"))
        self._mirror = _mirror
        self._store = _store if _store is not None else GitStore(Path(path))
        config = _config_at(self._store, ref)
        self.config = config  # promptgit.yaml at `ref` when opened: promptgit.LLM reads default_model, prices
        # where prompts live and how large a file may be: decided once, from promptgit.yaml at `ref`
        self._prompts_dir = (prompts_dir or config.prompts_dir).strip("/") or "."
        self._max_file_bytes = config.max_file_bytes
        rejected = self._metrics.disk_rejected
        disk = CompiledCache(Path(cache_dir) / COMPILED_DIR, rejected) if cache_dir is not None else None
        lookups = self._metrics.lookups
        templates: LRUCache[TemplateKey, LoadedPrompt] = (
            LRUCache(max_templates)
            if max_templates is not None
            else LRUCache(DEFAULT_MAX_TEMPLATES, grow=lambda: 2 * self._library_size())
        )
        templates.on_evict = lambda count: lookups.evicted("template", count)
        self._compiler = Compiler(
            self._metrics, templates, count_tokens_every, disk, max_render_chars, self._books.lookups
        )
        self._max_render_chars = max_render_chars
        self._resolved: TTLCache[str, LoadedPrompt | Variants] = TTLCache(
            cache_ttl,
            self._clock,
            self._refresh_failed,
            keeps_last_known_good=unreachable,
            max_entries=max_selectors or DEFAULT_MAX_SELECTORS,
            grow=None if max_selectors is not None else lambda: 4 * self._library_size(),
            on_evict=lambda count: lookups.evicted("resolution", count),
        )
        self._fallbacks = Fallbacks(fallback, self._metrics, max_render_chars)
        self._labelled_prompts: LRUCache[tuple[str, ...], LoadedPrompt] = LRUCache(
            max_templates or DEFAULT_MAX_TEMPLATES
        )
        self._sync_lock = threading.Lock()
        self._synced_at: float | None = self._clock()
        self._commit = self._resolve_ref()
        if self._commit is not None:  # read once per commit, like promptgit.yaml: a pin's yank check is free
            with contextlib.suppress(PromptgitError):
                self._store.yanked(self._head())
        self._metrics.cache_entries.track(self)
        self._metrics.commits.track(self)
        self._metrics.labels.track(self)

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
            repository._books.failure(failure, {"remote": mirror.shown_url})
        return repository

    @classmethod
    def from_bundle(
        cls, path: str | os.PathLike[str], *, public_key: Any = None, **options: Any
    ) -> Repository:
        """A Repository over a bundle file (`promptgit bundle build`): the same get() and render() as over
        the git repository it was built from, for every release and label it holds, with no git binary.

        `public_key`: an Ed25519 public key (a PEM file path or a loaded key); then every bundle read must
        carry a valid signature by it. The file is read again when it changes on disk, on the refresh of a
        label, range or latest selector (`cache_ttl`), like a label moved in git; a new file that is
        refused leaves the last good bundle serving. Other options as for Repository(). Raises BundleError
        when the file cannot be read or checked.
        """
        from promptgit.bundles.bundle_store import BundleStore

        if public_key is not None:
            from promptgit.bundles.signing import load_public_key

            public_key = load_public_key(public_key)
        return cls(path, _store=BundleStore(path, public_key), **options)

    # --- public API ---------------------------------------------------------------------------------
    def get(self, selector: str | Selector, key: str | int | None = None) -> LoadedPrompt:
        """The prompt `selector` names: `name`, `name@1.2.3`, `name@^1.2`, `name@production`, `name@worktree`.

        When the label splits traffic between versions (docs/experiments.md), `key` (a user or session id)
        picks one: the same key always gets the same version; without a key, each call picks by weight.
        The prompt's `label` and `version` say what was picked. `key` is ignored for other selectors.
        Raises PromptNotFoundError (no such prompt, release or label) or GitError when it cannot be read
        and there is neither a cached copy nor a fallback; SelectorError for a malformed selector.
        Inside a recording OpenTelemetry span, the get is a child span `promptgit.get`.
        """
        if recording():
            return traced_get(lambda chosen: self._get(chosen, key), selector, parse_selector)
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
                prompt = self._worktree(parsed.name)
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
        llm Completion carries them): `promptgit_outcome_recorded_total{prompt, version, outcome}`, and
        with a numeric `value` its sum and count. See observability/outcome_series.py for the bounds on
        names and versions (only versions this registry's loader served are counted)."""
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
            head = self._head()
            selectors = [name for name in head.names() if self._store.highest_release(name)]
            for label, entries in sorted(self._store.labels(head).items()):
                selectors += [f"{name}@{label}" for name in sorted(entries)]
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
        bounds = {"template": self._compiler.templates.maxsize, "resolution": self._resolved.max_entries}
        evictions = {"template": self._compiler.templates.evictions, "resolution": self._resolved.evictions}
        return self._books.stats(dict(self.cache_sizes())) | {"bounds": bounds, "evictions": evictions}

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

    # --- what is deployed, as data (the service kit; `promptgit serve`) -------------------------------
    def names(self) -> list[str]:
        """Every prompt name at the served commit (partials excluded), sorted."""
        return self._head().names()

    def versions(self, name: str) -> list[str]:
        """The released versions of `name`, ascending by semver (from tags, or a bundle's manifest)."""
        return self._store.release_versions(name)

    def labels(self) -> dict[str, dict[str, str | dict[str, int]]]:
        """The labels file at the served commit: {label: {prompt: version, or {version: weight} for a
        split}}; {} when there is none."""
        return {
            label: {
                name: dict(entry.weights) if isinstance(entry, Split) else entry
                for name, entry in sorted(entries.items())
            }
            for label, entries in sorted(self._store.labels(self._head()).items())
        }

    def describe(self, label: str | None = None) -> list[dict[str, Any]]:
        """What each label serves at the served commit, one row per (label, prompt, version) with its
        weight in percent (100 for a plain entry): what `promptgit_label_info` exports. Only `label`'s
        rows when given (PromptNotFoundError when the labels file has no such label)."""
        labels = self.labels()
        if label is not None and label not in labels:
            raise PromptNotFoundError(
                f"no label {label!r} in the labels file at {self._head().describe()} "
                f"({did_you_mean(label, sorted(labels), 'labels')})"
            )
        rows = []
        for name_of_label, entries in labels.items():
            if label is not None and name_of_label != label:
                continue
            for name, entry in entries.items():
                weights = entry if isinstance(entry, dict) else {entry: 100}
                rows += [
                    {"label": name_of_label, "prompt": name, "version": version, "weight": weight}
                    for version, weight in weights.items()
                ]
        return rows

    def snapshot(self, commit: str | None = None) -> PromptSource:
        """The prompts at `commit` (default: the served commit), read the way the loader reads them (git
        objects, or a bundle): for callers that need a prompt's file, not only its compiled form."""
        return self._at(commit) if commit is not None else self._head()

    def health(self) -> dict[str, Any]:
        """Whether the prompts can be read now (one ref read, no prompt), the commit served, the seconds
        since the last refresh of labels and refs, and how often fallbacks and last-known-good answered."""
        error = getattr(self._store, "last_error", None)  # a bundle refused on reload (the last good serves)
        try:
            self._store.resolve_commit(self.ref)
            readable = True
        except GitError as exc:
            readable, error = False, str(exc)
        synced = self._synced_at
        counts = self._books.stats({})
        return {
            "readable": readable,
            "error": error,
            "commit": self._commit,
            "refresh_age_seconds": None if synced is None else max(0.0, self._clock() - synced),
            "fallbacks": counts["fallbacks"],
            "last_known_good": counts["last_known_good"],
            "refresh_failures": counts["refresh_failures"],
        }

    # --- resolution ---------------------------------------------------------------------------------
    def _resolve(self, selector: Selector) -> LoadedPrompt | Variants:
        """Selector -> release -> blob at the tagged commit -> compiled prompt (on misses and refreshes);
        a label that splits traffic -> the Variants of its versions. A label reads the labels file once."""
        self._sync()
        name = selector.name
        if selector.kind == "label":
            entry = self._store.label_entry(selector, self._head())
            if isinstance(entry, Split):
                return resolve_split(selector.spec or "", name, entry, self._release(name), self._metrics)
            version = self._store.labelled_version(selector, entry)
        elif selector.kind == "exact" and selector.spec and self._store.is_released(name, selector.spec):
            version = selector.spec  # one ref read; HEAD is only needed to explain a miss
        else:
            version = self._store.resolve_version(selector, self._head())
        if selector.kind in ("exact", "label"):  # the bare name and ranges skip yanked releases already
            reason = self._store.yank_reason(name, version, self._head())
            if reason is not None:
                self._books.yanked_pin(str(selector), name, version, reason)
        prompt = self._release(name)(version)
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

    def _release(self, name: str) -> Callable[[str], LoadedPrompt]:
        """Loads release `version` of prompt `name`: from the commit its tag points at."""

        def load(version: str) -> LoadedPrompt:
            commit = self._store.release_commit(name, version)
            return self._compiler.release(self._at(commit), name, version)

        return load

    def _at(self, commit: str, label: str | None = None) -> CommitSource:
        return self._store.at(commit, self._prompts_dir, max_file_bytes=self._max_file_bytes, label=label)

    def _head(self) -> CommitSource:
        """The prompts at `ref` as of the last refresh: where labels are read and names listed."""
        commit = self._commit or self._store.resolve_commit(self.ref)  # GitError when it cannot be read
        return self._at(commit, self.ref)

    def _library_size(self) -> int:
        """Prompts at `ref` plus the entries of its labels file: what the cache bounds are sized from
        (asked once per cache, when it is first full; the library, not what callers ask for)."""
        head = self._head()
        return len(head.names()) + sum(len(entries) for entries in self._store.labels(head).values())

    def _resolve_ref(self) -> str | None:
        """The commit `ref` names now, or None when git cannot say (the read that follows counts the
        failure)."""
        try:
            return self._store.resolve_commit(self.ref)
        except GitError:
            return None

    def _worktree(self, name: str) -> LoadedPrompt:
        """`name@worktree`: the file as it is on disk now, partials from disk too; compiled on every call,
        read contained and bounded (sources.WorktreeSource)."""
        root = self._store.root
        if root.name.endswith(".git") or not (root / ".git").exists():
            raise PromptNotFoundError(f"{name}@worktree: {root} has no working tree (a bare repository)")
        source = WorktreeSource(root, self._prompts_dir, max_file_bytes=self._max_file_bytes)
        prompt = source.compile(name)
        if prompt is None:
            listed = did_you_mean(name, source.names(), "prompts in the working tree")
            raise PromptNotFoundError(
                f"{name}@worktree: no file {source.prompt_path(name)} in {root} ({listed})"
            )
        return LoadedPrompt.wrap(prompt, self._metrics, "worktree", max_render_chars=self._max_render_chars)

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
            self._commit = self._resolve_ref() or self._commit
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


def _config_at(store: GitStore, ref: str) -> Config:
    """promptgit.yaml at `ref`, read from git (a bare mirror has no working tree); defaults if none."""
    try:
        found = store.read_file(store.resolve_commit(ref), CONFIG_FILE)
    except GitError:
        return Config()
    if found is None:
        return Config()
    return parse_config(found[0].decode("utf-8", "replace"), CONFIG_FILE)
