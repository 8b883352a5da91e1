"""What a Repository did, told three ways: counters for `stats()`, Prometheus metrics, structured logs."""

from __future__ import annotations

import logging
import time
from typing import Any

from promptgit.loader.caches import Freshness
from promptgit.loader.loaded import LoadedPrompt
from promptgit.observability.bounds import clip
from promptgit.observability.loader_series import LoaderMetrics
from promptgit.observability.logs import RateLimitedLog


class Bookkeeping:
    """Records lookups, loads, fallbacks and git failures of one Repository (thread-safe, cheap on hits)."""

    def __init__(self, metrics: LoaderMetrics, log: logging.Logger) -> None:
        self.metrics = metrics
        self.log = log
        # one warning per prompt a minute: a service whose label entry is gone serves every request from
        # the fallback, and one line per request buries everything else in its logs
        self.fallback_log = RateLimitedLog(log)
        self._lookups = metrics.lookups
        # the metrics' lock: a cache hit updates stats() and the metrics under one lock
        self._lock = metrics.lookups.lock
        self.known_names: set[str] = set()  # prompts get() has loaded: their fallbacks keep their name
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
        self.fallback_log.warning(
            name if name in self.known_names else "_unknown",  # callers choose names: one budget for those
            "serving the fallback template: %s",
            clip(str(exc)),
            extra={"prompt": name, "selector": selector, "source": "fallback"},
        )

    def failure(self, exc: Exception, fields: dict[str, str]) -> None:
        """A git read or fetch failed; `fields` say for what (selector and prompt, or remote)."""
        self._count("failures")
        self.metrics.refresh_failures.inc()
        self.log.warning(
            "git read failed, serving last-known-good where cached: %s",
            clip(str(exc)),
            extra={**fields, "failed": "git"},
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
