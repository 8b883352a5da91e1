"""What a Repository did, told three ways: counters for `stats()`, Prometheus metrics, structured logs."""

from __future__ import annotations

import logging
import time
from typing import Any

from promptgit.errors import LabelTagMissingError
from promptgit.loader.caches import Freshness
from promptgit.loader.loaded import LoadedPrompt
from promptgit.loader.metrics import LoaderMetrics
from promptgit.store.releases import release_tag

# a label left naming a missing tag is met by every refresh of every replica: warn once per this many seconds
TAG_MISSING_LOG_SECONDS = 300.0


class Bookkeeping:
    """Records lookups, loads, fallbacks and git failures of one Repository (thread-safe, cheap on hits)."""

    def __init__(self, metrics: LoaderMetrics, log: logging.Logger) -> None:
        self.metrics = metrics
        self.log = log
        self._lookups = metrics.lookups
        # the metrics' lock: a cache hit updates stats() and the metrics under one lock
        self._lock = metrics.lookups.lock
        self.known_names: set[str] = set()  # prompts get() has loaded: their fallbacks keep their name
        self._tag_missing_logged: dict[tuple[str, str], float] = {}  # (label, prompt) -> last warning
        self._yank_warned: set[str] = set()  # selectors already warned about serving a yanked release
        self._counts = dict.fromkeys(
            ("hits", "misses", "stale", "last_known_good", "fallbacks", "failures"), 0
        )

    def fresh_hit(self, selector: str, prompt: LoadedPrompt, start: float) -> None:
        """get() answered `selector` from a fresh resolution-cache entry (the hot path: one lock)."""
        self._lookups.cache_hit(time.perf_counter() - start, self._counts)
        if self.log.isEnabledFor(logging.DEBUG):
            self._log(logging.DEBUG, selector, prompt, "cache", time.perf_counter() - start)

    def lookup(self, name: str, freshness: Freshness) -> None:
        """A resolution-cache lookup for prompt `name` and how it was answered."""
        if freshness is Freshness.MISS:
            self._lookups.lookup("resolution", hit=False)
            self._count("misses")
            return
        self._lookups.lookup("resolution", hit=True)
        self._count("hits")
        if freshness is Freshness.STALE:
            self._count("stale")
        elif freshness is Freshness.LAST_KNOWN_GOOD:
            self._count("last_known_good")
            self.metrics.fallbacks.labels(prompt=name, kind="last_known_good").inc()

    def loaded(self, selector: str, prompt: LoadedPrompt, source: str, start: float) -> None:
        """get() returned `prompt` from `source` (cache, git or fallback); `start` is its perf_counter."""
        elapsed = time.perf_counter() - start
        self._lookups.loaded(source, elapsed)
        if source != "fallback":
            self.known_names.add(prompt.name)  # real prompts only: bounded by the repository, not callers
        level = logging.DEBUG if source == "cache" else logging.INFO
        if self.log.isEnabledFor(level):
            self._log(level, selector, prompt, source, elapsed)

    def _log(self, level: int, selector: str, prompt: LoadedPrompt, source: str, elapsed: float) -> None:
        self.log.log(
            level,
            "loaded %s@%s from %s",
            prompt.name,
            prompt.version,
            source,
            extra={
                "prompt": prompt.name,
                "version": prompt.version,
                "selector": selector,
                "source": source,
                "duration_ms": round(elapsed * 1000, 3),
                "commit": prompt.commit,
            },
        )

    def fallback(self, name: str, selector: str, exc: Exception) -> None:
        """The fallback template is served for `name` because of `exc`."""
        self._count("fallbacks")
        self.log.warning(
            "serving the fallback template: %s",
            exc,
            extra={"prompt": name, "selector": selector, "source": "fallback"},
        )

    def failure(self, exc: Exception, fields: dict[str, str]) -> None:
        """A git read or fetch failed; `fields` say for what (selector and prompt, or remote)."""
        self._count("failures")
        self.metrics.refresh_failures.inc()
        self.log.warning(
            "git read failed, serving last-known-good where cached: %s",
            exc,
            extra={**fields, "source": "git"},
        )

    def tag_missing(self, exc: LabelTagMissingError, now: float) -> None:
        """A label names a release tag the repository lacks: counted every time, logged as a warning at
        most once per label and prompt per TAG_MISSING_LOG_SECONDS (every refresh meets it again)."""
        self.metrics.label_tag_missing.labels(prompt=exc.name, label=exc.label).inc()
        key = (exc.label, exc.name)
        with self._lock:
            last = self._tag_missing_logged.get(key)
            if last is not None and now - last < TAG_MISSING_LOG_SECONDS:
                return
            self._tag_missing_logged[key] = now
        tag = release_tag(exc.name, exc.version)
        self.log.warning(
            "label %s of %s names %s, but tag %s is not in the repository (pushed without its tag?): "
            "serving last-known-good; git push origin %s fixes it",
            exc.label,
            exc.name,
            exc.version,
            tag,
            tag,
            extra={"prompt": exc.name, "label": exc.label, "version": exc.version, "source": "git"},
        )

    def yanked_pin(self, selector: str, name: str, version: str, reason: str) -> None:
        """An exact pin or a label resolved to a yanked release: served (PyPI's semantics), warned once
        per selector (bounded: at most 4096 remembered)."""
        with self._lock:
            if selector in self._yank_warned:
                return
            if len(self._yank_warned) >= 4096:
                self._yank_warned.clear()
            self._yank_warned.add(selector)
        why = f" ({reason})" if reason else ""
        self.log.warning(
            "%s %s is yanked%s; served because %s pins it",
            name,
            version,
            why,
            selector,
            extra={"prompt": name, "version": version, "selector": selector, "yanked": reason},
        )

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def stats(self, entries: dict[str, int]) -> dict[str, Any]:
        """Repository.stats(): hits, misses, hit_rate, stale, last_known_good, fallbacks, refresh_failures."""
        counts = self.counts()
        lookups = counts["hits"] + counts["misses"]
        return {
            "hits": counts["hits"],
            "misses": counts["misses"],
            "hit_rate": counts["hits"] / lookups if lookups else 0.0,
            "stale": counts["stale"],
            "last_known_good": counts["last_known_good"],
            "fallbacks": counts["fallbacks"],
            "refresh_failures": counts["failures"],
            "entries": entries,
        }

    def _count(self, what: str) -> None:
        with self._lock:
            self._counts[what] += 1
